#include "runtime/backpressure/min_batch_trigger.h"

#include <doctest/doctest.h>

using namespace streamsubmit::runtime;
using namespace std::chrono_literals;

TEST_CASE("minOffsetsPerBatch: waits for enough records, but not longer than maxBatchDelay") {
    const auto t0 = MinBatchTrigger::Clock::time_point{} + 1h;
    MinBatchTrigger trigger(1000, 10s, t0);
    CHECK_FALSE(trigger.ready(999, t0 + 2s));
    CHECK(trigger.ready(1000, t0 + 4s)); // enough: runs, and the delay counts from here
    CHECK_FALSE(trigger.ready(10, t0 + 6s));
    CHECK_FALSE(trigger.ready(10, t0 + 13s));
    CHECK(trigger.ready(10, t0 + 14s)); // 10 s since the last batch: runs with what there is
    CHECK_FALSE(trigger.ready(0, t0 + 16s));
}

TEST_CASE("without minOffsetsPerBatch every interval runs a batch, empty ones included") {
    const auto t0 = MinBatchTrigger::Clock::time_point{} + 1h;
    MinBatchTrigger trigger(0, 10s, t0);
    CHECK(trigger.ready(0, t0));
    CHECK(trigger.ready(0, t0 + 1ms));
}
