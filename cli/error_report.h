// The one place where an Error becomes a message on stderr and an exit code.
#pragma once

#include "common/error.h"

#include <string>

namespace streamsubmit::cli {

// Documented in README.md and man/streamsubmit.1 (EXIT STATUS).
enum ExitCode : int {
    kExitSuccess = 0,
    kExitRuntime = 1,
    kExitUsage = 2,
    kExitPluginLoad = 3,
    kExitKafka = 4,
    kExitResolution = 5,
    kExitInUse = 6,
    kExitStopTimeout = 7,
    kExitApplication = 8,
    kExitInterrupted = 130,
};

// The codes a job (bare `streamsubmit` and `submit`) can exit with, for its --help.
inline constexpr const char *kJobExitStatusHelp =
    "Exit status: 0 success, 1 runtime failure, 2 usage or configuration, 3 plugin load, 4 Kafka,\n"
    "5 resolution, 6 checkpoint in use by another job, 7 stop timeout, 8 application or sink failed a batch,\n"
    "130 interrupted.\n";

int exit_code_for(ErrorKind kind);

// "streamsubmit: error: <what> (<input>)\n  hint: <hint>\n"
std::string format_error(const Error &error);

// Prints format_error() to stderr and returns the exit code.
int report_error(const Error &error);

} // namespace streamsubmit::cli
