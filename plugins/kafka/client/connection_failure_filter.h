// librdkafka logs a failed connection (facility FAIL) once per handle and broker, and again
// on every retry; a job with several reader threads printed the same "Connection refused"
// four times before the one error that matters. This filter lets the first of a kind through,
// holds back repeats for a while (to debug level), and counts them into the next line it
// lets through. "Of a kind": the same text once librdkafka's own "(after N ms in state ...)"
// tail is cut off.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace streamsubmit::kafka {

class ConnectionFailureFilter {
public:
    using Clock = std::chrono::steady_clock;
    explicit ConnectionFailureFilter(std::chrono::milliseconds quiet = std::chrono::seconds(30)) : quiet_(quiet) {}

    // The line to log as a warning, or nullopt when it repeats one logged less than `quiet` ago.
    std::optional<std::string> admit(std::string_view message, Clock::time_point now = Clock::now());

    // The one filter of the plugin (each plugin links its own): every handle's FAIL lines go through it.
    static ConnectionFailureFilter &shared();

private:
    struct Seen {
        Clock::time_point logged;
        int held_back = 0;
    };
    const std::chrono::milliseconds quiet_;
    std::mutex mutex_;
    std::map<std::string, Seen, std::less<>> seen_;
};

} // namespace streamsubmit::kafka
