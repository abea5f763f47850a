#include "runtime/receiver/block_generator.h"
#include "runtime/backpressure/rate_limiter.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

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

TEST_CASE("a run of records counts as the same records added one by one") {
    // Offsets out of order within a run (a replayed range), a tombstone, a key, headers, two
    // partitions interleaved in runs: each partition's totals, records and bytes must match.
    static const std::string key = "key", hv = "hv";
    const ss_header header{"h", hv.data(), hv.size()};
    std::vector<ss_record> poll;
    for (int64_t offset : {7, 5, 9, 8}) poll.push_back(rec("t", 0, offset));
    for (int64_t offset : {3, 4}) poll.push_back(rec("t", 1, offset));
    poll.push_back(rec("t", 0, 9)); // the same last offset again: the later timestamp wins
    poll[1].value = nullptr;        // a tombstone
    poll[1].value_len = 0;
    poll[2].key = key.data();
    poll[2].key_len = key.size();
    poll[3].headers = &header;
    poll[3].header_count = 1;
    for (size_t i = 0; i < poll.size(); ++i) poll[i].timestamp_ms = 100 + static_cast<int64_t>(i);

    BlockGenerator runs(0, 1000ms, Clock::now(), nullptr);
    runs.add(poll.data(), poll.size());
    Block one_by_one;
    for (const auto &r : poll) one_by_one.add(r);
    const Block &block = runs.current();

    REQUIRE(block.partitions().size() == 2);
    for (size_t p = 0; p < 2; ++p) {
        const PartitionSummary &a = block.partitions()[p], &b = one_by_one.partitions()[p];
        CHECK(a.tp == b.tp);
        CHECK(a.first == b.first);
        CHECK(a.next == b.next);
        CHECK(a.records == b.records);
        CHECK(a.bytes == b.bytes);
        CHECK(a.last_timestamp_ms == b.last_timestamp_ms);
    }
    CHECK(block.partitions()[0].first == 5);
    CHECK(block.partitions()[0].next == 10);
    CHECK(block.partitions()[0].records == 5);
    CHECK(block.partitions()[0].bytes == 1 + 0 + 3 + 1 + 1 + 1); // "v" each, the tombstone none, the key 3
    CHECK(block.partitions()[0].last_timestamp_ms == 106);
    CHECK(block.header_bytes() == one_by_one.header_bytes());
    CHECK(block.to_records() == one_by_one.to_records());
}

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
