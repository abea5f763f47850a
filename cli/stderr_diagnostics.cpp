#include "cli/stderr_diagnostics.h"

#include <cstdio>
#include <mutex>
#include <string>

namespace streamsubmit::cli {

runtime::Diagnostics stderr_diagnostics(bool verbose) {
    return [verbose](runtime::LogLevel level, std::string_view message) {
        if (level == runtime::LogLevel::Debug && !verbose) return;
        static std::mutex mutex; // plugin threads log too; keep lines whole
        const char *prefix = level == runtime::LogLevel::Error  ? "streamsubmit: error: "
                             : level == runtime::LogLevel::Warn ? "streamsubmit: warning: "
                                                                : "streamsubmit: ";
        std::string line = prefix;
        line.append(message);
        line += '\n';
        std::lock_guard lock(mutex);
        std::fputs(line.c_str(), stderr);
    };
}

} // namespace streamsubmit::cli
