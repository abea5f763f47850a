#include "runtime/receiver/block_generator.h"
#include "runtime/backpressure/rate_limiter.h"

#include <doctest/doctest.h>

using namespace streamsubmit::runtime;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

ss_record rec(const char *topic, int32_t partition, int64_t offset) {
    static const char value[] = "v";
    ss_record r{};
    r.struct_size = sizeof(ss_record);
    r.topic = topic;
    r.partition = partition;
    r.offset = offset;
    r.timestamp_ms = -1;
    r.timestamp_type = SS_TIMESTAMP_CREATE_TIME;
    r.value = value;
    r.value_len = 1;
    r.header_stride = sizeof(ss_header);
    return r;
}

} // namespace

TEST_CASE("blocks are cut at whole block intervals after the start") {
    const auto t0 = Clock::now();
    BlockGenerator gen(2, 200ms, t0);
    CHECK(gen.next_boundary() == t0 + 200ms);
    const ss_record a[] = {rec("orders", 0, 10), rec("orders", 1, 5)};
    gen.add(a, 2);
    CHECK_FALSE(gen.tick(t0 + 199ms, 1).has_value());
    auto b = gen.tick(t0 + 200ms, 2);
    REQUIRE(b.has_value());
    CHECK(b->receiver == 2);
    CHECK(b->seq == 0);
    CHECK(b->time_ms == 2);
    CHECK(b->size() == 2);
    CHECK(b->next_offsets() == OffsetMap{{{"orders", 0}, 11}, {{"orders", 1}, 6}});
    CHECK(gen.next_boundary() == t0 + 400ms);
    // Nothing received: no empty block, but the boundary still moves on.
    CHECK_FALSE(gen.tick(t0 + 450ms, 3).has_value());
    CHECK(gen.next_boundary() == t0 + 600ms);
    // A late tick skips the missed boundaries instead of shifting them.
    gen.add(a, 1);
    auto late = gen.tick(t0 + 1310ms, 4);
    REQUIRE(late.has_value());
    CHECK(late->seq == 1);
    CHECK(gen.next_boundary() == t0 + 1400ms);
}

TEST_CASE("sealing early (rebalance, backpressure) keeps the boundaries") {
    const auto t0 = Clock::now();
    BlockGenerator gen(0, 200ms, t0);
    CHECK_FALSE(gen.seal(1).has_value());
    const ss_record a[] = {rec("orders", 0, 1), rec("orders", 0, 2), rec("orders", 0, 3)};
    gen.add(a, 3);
    CHECK(gen.buffered_records() == 3);
    CHECK(gen.buffered_bytes() > 0);
    auto b = gen.seal(1);
    REQUIRE(b.has_value());
    CHECK(b->size() == 3);
    CHECK(b->next_offsets() == OffsetMap{{{"orders", 0}, 4}});
    CHECK(gen.buffered_records() == 0);
    CHECK(gen.next_boundary() == t0 + 200ms);
}

TEST_CASE("rate limit: at most burst + rate * t records over t seconds") {
    const auto t0 = Clock::now();
    RateLimiter limiter(100, 20, t0); // 100 records/s, burst 20
    CHECK(limiter.available(t0, 1000) == 20);
    limiter.take(20);
    CHECK(limiter.available(t0, 1000) == 0);
    CHECK(limiter.wait_time(t0) > 9ms);
    CHECK(limiter.wait_time(t0) <= 10ms + 1us);
    CHECK(limiter.available(t0 + 100ms, 1000) == 10);
    CHECK(limiter.available(t0 + 100ms, 4) == 4); // capped by the caller
    limiter.take(10);
    CHECK(limiter.available(t0 + 10s, 1000) == 20); // idle time does not bank beyond the burst

    // Simulated greedy receiver over 5 s in 1 ms steps.
    RateLimiter greedy(250, 50, t0);
    int64_t taken = 0;
    for (int ms = 0; ms <= 5000; ++ms) {
        const int64_t n = greedy.available(t0 + std::chrono::milliseconds(ms), 4096);
        greedy.take(n);
        taken += n;
    }
    CHECK(taken <= 50 + 250 * 5);
    CHECK(taken >= 250 * 5);
}

TEST_CASE("rate 0 is unlimited") {
    const auto t0 = Clock::now();
    RateLimiter limiter(0, 0, t0);
    CHECK(limiter.unlimited());
    CHECK(limiter.available(t0, 4096) == 4096);
    limiter.take(1000000);
    CHECK(limiter.available(t0, 7) == 7);
    CHECK(limiter.wait_time(t0) == 0us);
}
