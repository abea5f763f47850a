// stream.kafka.minOffsetsPerBatch + stream.kafka.maxBatchDelay, as Structured Streaming's
// minOffsetsPerTrigger + maxTriggerDelay: a batch runs once at least `min_records` new
// records are available, or once `max_delay` has passed since the last batch (counted
// from the start of the job for the first one), whichever comes first. Direct mode.
#pragma once

#include <chrono>
#include <cstdint>

namespace streamsubmit::runtime {

class MinBatchTrigger {
public:
    using Clock = std::chrono::steady_clock;

    // min_records 0 = every interval runs a batch.
    MinBatchTrigger(int64_t min_records, std::chrono::milliseconds max_delay, Clock::time_point start)
        : min_records_(min_records), max_delay_(max_delay), last_batch_(start) {}

    // Whether a batch runs now with `available` new records; a yes counts as the last batch.
    bool ready(int64_t available, Clock::time_point now) {
        if (min_records_ > 0 && available < min_records_ && now - last_batch_ < max_delay_) return false;
        last_batch_ = now;
        return true;
    }

private:
    int64_t min_records_;
    std::chrono::milliseconds max_delay_;
    Clock::time_point last_batch_;
};

} // namespace streamsubmit::runtime
