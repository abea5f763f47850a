#include "runtime/receiver/receiver_stream.h"

#include <doctest/doctest.h>

using namespace streamsubmit::runtime;

TEST_CASE("a receiver batch reports one range per partition: first offset to last offset + 1") {
    std::vector<Block> blocks(2);
    blocks[1].receiver = 1;
    for (const ReceivedRecord &r : {ReceivedRecord{{"orders", 1}, 10, -1, std::string("k"), "vv", 0, {}},
                                    ReceivedRecord{{"orders", 1}, 11, -1, std::nullopt, "v", 0, {}}})
        blocks[0].add(r);
    for (const ReceivedRecord &r : {ReceivedRecord{{"clicks", 0}, 5, -1, std::nullopt, "v", 0, {}},
                                    ReceivedRecord{{"orders", 1}, 12, -1, std::nullopt, "v", 0, {}},
                                    ReceivedRecord{{"orders", 0}, 0, -1, std::nullopt, "", 0, {}}})
        blocks[1].add(r);
    const BatchReport report = receiver_report(7, 1234, blocks);
    CHECK(report.id == 7);
    CHECK(report.mode == "receiver");
    REQUIRE(report.ranges.size() == 3);
    CHECK(report.ranges[0].range == OffsetRange{{"clicks", 0}, 5, 6});
    CHECK(report.ranges[1].range == OffsetRange{{"orders", 0}, 0, 1});
    CHECK(report.ranges[2].range == OffsetRange{{"orders", 1}, 10, 13});
    CHECK(report.ranges[2].records == 3);
    CHECK(report.ranges[2].bytes == 5);
    CHECK(report.records() == 5);
    CHECK(format_text(report) == "batch 7 time=1234 records=5\nclicks 0 5 6\norders 0 0 1\norders 1 10 13\n");
    CHECK(receiver_report(8, 1, {}).ranges.empty());
}

TEST_CASE("a receiver range carries the timestamp of its last record, whichever block holds it (lag seconds)") {
    std::vector<Block> blocks(2);
    blocks[0].add(ReceivedRecord{{"orders", 0}, 20, 2000, std::nullopt, "v", 0, {}});
    blocks[0].add(ReceivedRecord{{"orders", 0}, 18, 1800, std::nullopt, "v", 0, {}}); // out of order: not the last
    blocks[1].add(ReceivedRecord{{"orders", 0}, 15, 1500, std::nullopt, "v", 0, {}}); // an older block after it
    blocks[1].add(ReceivedRecord{{"orders", 1}, 3, -1, std::nullopt, "v", 0, {}});    // no timestamp given
    const BatchReport report = receiver_report(1, 1, blocks);
    REQUIRE(report.ranges.size() == 2);
    CHECK(report.ranges[0].range == OffsetRange{{"orders", 0}, 15, 21});
    CHECK(report.ranges[0].last_timestamp_ms == 2000);
    CHECK(report.ranges[1].last_timestamp_ms == -1);
}

TEST_CASE("what a receiver checkpoint belongs to: the group and the topic set, not the thread counts") {
    ReceiverStreamOptions o;
    o.group = "g";
    o.topics = {{"orders", 2}, {"clicks", 1}};
    CHECK(receiver_subscription_id(o) == "receiver group=g topics=clicks,orders");
    o.topics = {{"clicks", 3}, {"orders", 1}};
    CHECK(receiver_subscription_id(o) == "receiver group=g topics=clicks,orders");
}

TEST_CASE("backpressure in receiver mode: the stream rate split evenly across receivers, capped by maxRate") {
    CHECK(per_receiver_rate(std::nullopt, 3, 0) == 0);     // off: unlimited
    CHECK(per_receiver_rate(std::nullopt, 3, 500) == 500); // off: stream.receiver.maxRate alone
    CHECK(per_receiver_rate(900.0, 3, 0) == 300);
    CHECK(per_receiver_rate(1000.0, 3, 0) == 334); // rounded up: the receivers together take the rate
    CHECK(per_receiver_rate(900.0, 3, 200) == 200);
    CHECK(per_receiver_rate(0.5, 4, 0) == 1);
}
