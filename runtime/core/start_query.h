// A request a job makes to the brokers before its first batch (the topics' partitions, their
// watermarks), asked again while the brokers take the connection but are slow to answer
// (Cause::Timeout), as a running job waits out such a broker. Brokers that cannot be reached
// at all (Cause::Unreachable) still end the start at once: that is a mistyped
// --bootstrap-servers far more often than an outage, and the user at a shell should hear of it
// within stream.kafka.requestTimeout.
#pragma once

#include "common/error.h"
#include "runtime/core/stop_signal.h"

#include <chrono>
#include <functional>
#include <string_view>

namespace streamsubmit::runtime {

// Between two tries; the request itself already waited stream.kafka.requestTimeout.
inline constexpr std::chrono::milliseconds kStartQueryRetryDelay{1000};

// `query` returns a Result; each timed-out try is said by `warn` ("...; retrying"). A stop
// request ends the waiting with the last timeout, as the job could not start.
template <class Query>
auto ask_until_answered(Query &&query, StopSignal &stop, const std::function<void(std::string_view)> &warn)
    -> decltype(query()) {
    for (;;) {
        auto answer = query();
        if (answer || answer.error().cause != Cause::Timeout) return answer;
        warn(answer.error().what + "; retrying");
        if (stop.wait_until(std::chrono::steady_clock::now() + kStartQueryRetryDelay)) return answer;
    }
}

} // namespace streamsubmit::runtime
