#include "runtime/batch/batch_planner.h"

#include <doctest/doctest.h>

using namespace streamsubmit::runtime;
using namespace std::chrono_literals;

namespace {
TopicPartition tp(int p) { return {"orders", p}; }
int64_t total(const std::vector<OffsetRange> &ranges) {
    int64_t n = 0;
    for (const auto &r : ranges) n += r.size();
    return n;
}
} // namespace

TEST_CASE("unlimited planning reads up to the latest offset of every partition") {
    BatchPlanner planner({0, 0, 2000ms});
    const auto ranges = planner.plan({{tp(0), 5}, {tp(1), 0}}, {{tp(0), 10}, {tp(1), 0}});
    REQUIRE(ranges.size() == 2);
    CHECK(ranges[0] == OffsetRange{tp(0), 5, 10});
    CHECK(ranges[1] == OffsetRange{tp(1), 0, 0}); // empty ranges are kept: every partition is reported
}

TEST_CASE("maxRatePerPartition caps each range at rate * interval") {
    BatchPlanner planner({100, 0, 2000ms});
    const auto ranges = planner.plan({{tp(0), 0}, {tp(1), 1000}}, {{tp(0), 1000}, {tp(1), 1050}});
    CHECK(ranges[0].until == 200);
    CHECK(ranges[1].until == 1050); // below the cap: up to latest
}

TEST_CASE("a sub-second interval still lets at least one record through") {
    BatchPlanner planner({1, 0, 100ms});
    CHECK(planner.plan({{tp(0), 0}}, {{tp(0), 10}})[0].until == 1);
}

TEST_CASE("maxOffsetsPerBatch is split in proportion to lag and adds up exactly") {
    BatchPlanner planner({0, 100, 2000ms});
    const auto ranges = planner.plan({{tp(0), 0}, {tp(1), 0}, {tp(2), 0}}, {{tp(0), 600}, {tp(1), 300}, {tp(2), 100}});
    CHECK(ranges[0].size() == 60);
    CHECK(ranges[1].size() == 30);
    CHECK(ranges[2].size() == 10);
    CHECK(total(ranges) == 100);
}

TEST_CASE("largest remainders make the split exact when shares are fractional") {
    BatchPlanner planner({0, 10, 2000ms});
    const auto ranges = planner.plan({{tp(0), 0}, {tp(1), 0}, {tp(2), 0}}, {{tp(0), 7}, {tp(1), 7}, {tp(2), 7}});
    CHECK(total(ranges) == 10);
    for (const auto &r : ranges) CHECK(r.size() >= 3);
}

TEST_CASE("the total cap applies after the per-partition cap") {
    BatchPlanner planner({10, 15, 1000ms});
    const auto ranges = planner.plan({{tp(0), 0}, {tp(1), 0}}, {{tp(0), 1000}, {tp(1), 5}});
    CHECK(ranges[0].size() == 10);
    CHECK(ranges[1].size() == 5);
}

TEST_CASE("a limit below the position never yields a negative range") {
    BatchPlanner planner({0, 0, 1000ms});
    const auto ranges = planner.plan({{tp(0), 50}}, {{tp(0), 40}});
    CHECK(ranges[0] == OffsetRange{tp(0), 50, 50});
}

TEST_CASE("ranges come out sorted by topic then partition") {
    BatchPlanner planner({0, 0, 1000ms});
    const auto ranges =
        planner.plan({{{"b", 0}, 0}, {{"a", 1}, 0}, {{"a", 0}, 0}}, {{{"b", 0}, 1}, {{"a", 1}, 1}, {{"a", 0}, 1}});
    CHECK(ranges[0].tp == TopicPartition{"a", 0});
    CHECK(ranges[1].tp == TopicPartition{"a", 1});
    CHECK(ranges[2].tp == TopicPartition{"b", 0});
}

TEST_CASE("backpressure: rate * interval records, split by lag as in Spark's direct stream") {
    BatchPlanner planner({0, 0, 2000ms});
    // 100 records/s * 2 s = 200 records; lags 600 and 200: 600/800 * 200 = 150, 200/800 * 200 = 50.
    const auto ranges = planner.plan({{tp(0), 0}, {tp(1), 0}}, {{tp(0), 600}, {tp(1), 200}}, 100.0);
    CHECK(ranges[0].size() == 150);
    CHECK(ranges[1].size() == 50);
}

TEST_CASE("backpressure: each share is capped by maxRatePerPartition, then maxOffsetsPerBatch applies") {
    // Shares 150 and 50 as above; maxRatePerPartition 60 * 2 s = 120 caps the first.
    BatchPlanner capped({60, 0, 2000ms});
    auto ranges = capped.plan({{tp(0), 0}, {tp(1), 0}}, {{tp(0), 600}, {tp(1), 200}}, 100.0);
    CHECK(ranges[0].size() == 120);
    CHECK(ranges[1].size() == 50);
    // maxOffsetsPerBatch 85 then splits 120:50 by largest remainder: 60 and 25.
    BatchPlanner total({60, 85, 2000ms});
    ranges = total.plan({{tp(0), 0}, {tp(1), 0}}, {{tp(0), 600}, {tp(1), 200}}, 100.0);
    CHECK(ranges[0].size() == 60);
    CHECK(ranges[1].size() == 25);
}

TEST_CASE("backpressure: a rate above the lag reads up to the latest offset, and at least 1 record goes") {
    BatchPlanner planner({0, 0, 1000ms});
    auto ranges = planner.plan({{tp(0), 0}, {tp(1), 0}}, {{tp(0), 30}, {tp(1), 10}}, 1e6);
    CHECK(ranges[0].size() == 30);
    CHECK(ranges[1].size() == 10);
    ranges = planner.plan({{tp(0), 0}}, {{tp(0), 30}}, 0.2); // 0.2 records in 1 s: still 1
    CHECK(ranges[0].size() == 1);
}
