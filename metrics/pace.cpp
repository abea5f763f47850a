#include "metrics/pace.h"

#include <fmt/format.h>

#include <algorithm>

namespace streamsubmit::metrics {
namespace {

// A delay below this is timer noise, not a job that is late: a few milliseconds either way
// between batches must not read as "growing".
double noise_floor_ms(std::chrono::milliseconds batch_interval) {
    return std::max(10.0, static_cast<double>(batch_interval.count()) / 20.0);
}

// The newest batches, counted back from the last, each of which started later than the one before.
int growing_delays(const std::vector<BatchSummary> &batches) {
    int run = 0;
    for (size_t i = batches.size(); i > 1; --i) {
        if (batches[i - 1].scheduling_delay_ms <= batches[i - 2].scheduling_delay_ms) break;
        ++run;
    }
    return run;
}

int uncommitted_at_end(const std::vector<BatchSummary> &batches) {
    int run = 0;
    for (auto it = batches.rbegin(); it != batches.rend() && it->outcome != runtime::BatchOutcome::Committed; ++it)
        ++run;
    return run;
}

std::string seconds(std::chrono::milliseconds ms) {
    return fmt::format("{:.0f} s", static_cast<double>(ms.count()) / 1000.0);
}

} // namespace

std::chrono::milliseconds stall_after(std::chrono::milliseconds batch_interval) {
    return std::max<std::chrono::milliseconds>(batch_interval * 10, std::chrono::seconds(30));
}

std::string_view pace_name(PaceState state) {
    switch (state) {
    case PaceState::Starting: return "starting";
    case PaceState::KeepingUp: return "keeping up";
    case PaceState::FallingBehind: return "falling behind";
    case PaceState::Stalled: return "stalled";
    }
    return "stalled";
}

Pace assess_pace(const std::vector<BatchSummary> &batches, std::chrono::milliseconds batch_interval,
                 std::chrono::milliseconds since_last_batch) {
    Pace pace;
    pace.growing_batches = growing_delays(batches);
    if (since_last_batch > stall_after(batch_interval)) {
        pace.state = PaceState::Stalled;
        pace.line = batches.empty() ? fmt::format("stalled (no batch ended in the {} since the start)",
                                                  seconds(since_last_batch))
                                    : fmt::format("stalled (no batch ended for {})", seconds(since_last_batch));
        return pace;
    }
    if (batches.empty()) {
        pace.state = PaceState::Starting;
        pace.line = "starting (no batch ended yet)";
        return pace;
    }
    if (const int failed = uncommitted_at_end(batches); failed >= kUncommittedBatchesToStall) {
        pace.state = PaceState::Stalled;
        pace.line = fmt::format("stalled (the last {} batches ended without a commit)", failed);
        return pace;
    }
    if (pace.growing_batches >= kGrowingBatchesToFallBehind &&
        batches.back().scheduling_delay_ms >= noise_floor_ms(batch_interval)) {
        pace.state = PaceState::FallingBehind;
        pace.line = fmt::format("falling behind (delay growing for {} batches)", pace.growing_batches);
        return pace;
    }
    pace.state = PaceState::KeepingUp;
    pace.line = "keeping up";
    return pace;
}

} // namespace streamsubmit::metrics
