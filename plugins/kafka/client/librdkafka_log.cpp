#include "librdkafka_log.h"

#include "connection_failure_filter.h"

#include <string_view>

namespace streamsubmit::kafka {
namespace {

ss_log_level level_from_syslog(int level) {
    if (level <= 3) return SS_LOG_ERROR;
    if (level == 4) return SS_LOG_WARN;
    if (level <= 6) return SS_LOG_INFO;
    return SS_LOG_DEBUG;
}

} // namespace

LogLine librdkafka_log_line(int syslog_level, const char *facility, const char *message, const char *handle) {
    const ss_log_level level = level_from_syslog(syslog_level);
    std::string text = "librdkafka ";
    text += facility ? facility : "";
    if (level == SS_LOG_DEBUG && handle && *handle) {
        text += " (";
        text += handle;
        text += ")";
    }
    text += ": ";
    text += message ? message : "";
    if (level >= SS_LOG_WARN && facility && std::string_view(facility) == "FAIL") {
        // Every handle reports the same unreachable broker: say it once, repeats only with -v.
        if (auto line = ConnectionFailureFilter::shared().admit(text)) return {SS_LOG_WARN, std::move(*line)};
        return {SS_LOG_DEBUG, std::move(text)};
    }
    return {level == SS_LOG_ERROR ? SS_LOG_WARN : level, std::move(text)};
}

} // namespace streamsubmit::kafka
