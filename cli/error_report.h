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

int exit_code_for(ErrorKind kind);

// "streamsubmit: error: <what> (<input>)\n  hint: <hint>\n"
std::string format_error(const Error &error);

// Prints format_error() to stderr and returns the exit code.
int report_error(const Error &error);

} // namespace streamsubmit::cli
