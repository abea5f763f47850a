#include "connection_failure_filter.h"

namespace streamsubmit::kafka {
namespace {

// "...: Connection refused (after 0ms in state CONNECT, 1 identical error(s) suppressed)"
// → "...: Connection refused"
std::string_view kind_of(std::string_view message) {
    const auto tail = message.rfind(" (after ");
    return tail == std::string_view::npos ? message : message.substr(0, tail);
}

} // namespace

std::optional<std::string> ConnectionFailureFilter::admit(std::string_view message, Clock::time_point now) {
    const std::string_view kind = kind_of(message);
    std::lock_guard lock(mutex_);
    auto it = seen_.find(kind);
    if (it == seen_.end()) {
        seen_.emplace(std::string(kind), Seen{now, 0});
        return std::string(message);
    }
    Seen &seen = it->second;
    if (now - seen.logged < quiet_) {
        ++seen.held_back;
        return std::nullopt;
    }
    std::string line(message);
    if (seen.held_back > 0)
        line += " [and " + std::to_string(seen.held_back) + " more like it in the last " +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now - seen.logged).count()) + " s]";
    seen = Seen{now, 0};
    return line;
}

ConnectionFailureFilter &ConnectionFailureFilter::shared() {
    static ConnectionFailureFilter filter;
    return filter;
}

} // namespace streamsubmit::kafka
