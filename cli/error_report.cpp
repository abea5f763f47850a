#include "cli/error_report.h"

#include <cstdio>

namespace streamsubmit::cli {

int exit_code_for(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::Runtime: return kExitRuntime;
    case ErrorKind::Usage: return kExitUsage;
    case ErrorKind::PluginLoad: return kExitPluginLoad;
    case ErrorKind::Kafka: return kExitKafka;
    case ErrorKind::Resolution: return kExitResolution;
    case ErrorKind::Interrupted: return kExitInterrupted;
    case ErrorKind::InUse: return kExitInUse;
    case ErrorKind::StopTimeout: return kExitStopTimeout;
    case ErrorKind::Application: return kExitApplication;
    }
    return kExitRuntime;
}

std::string format_error(const Error &error) {
    std::string out = "streamsubmit: error: " + error.what;
    if (!error.input.empty()) out += " (" + error.input + ")";
    out += "\n";
    if (!error.hint.empty()) out += "  hint: " + error.hint + "\n";
    return out;
}

int report_error(const Error &error) {
    const std::string text = format_error(error);
    std::fputs(text.c_str(), stderr);
    std::fflush(stderr);
    return exit_code_for(error.kind);
}

} // namespace streamsubmit::cli
