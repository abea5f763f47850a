#include "runtime/direct/starting_offsets.h"

#include <doctest/doctest.h>

using namespace streamsubmit::runtime;

TEST_CASE("startingOffsets JSON: partitions, earliest and latest") {
    auto parsed = parse_starting_offsets_json(R"({"orders":{"0":23,"1":-2},"clicks":{"0":-1}})");
    REQUIRE(parsed.ok());
    CHECK(parsed->at({"orders", 0}) == 23);
    CHECK(parsed->at({"orders", 1}) == kOffsetEarliest);
    CHECK(parsed->at({"clicks", 0}) == kOffsetLatest);
}

TEST_CASE("startingOffsets JSON errors name what is wrong") {
    CHECK(parse_starting_offsets_json("{").error().what.find("not valid JSON") != std::string::npos);
    CHECK(parse_starting_offsets_json("[1]").error().what.find("object") != std::string::npos);
    CHECK(parse_starting_offsets_json(R"({"orders":5})").error().what.find("orders") != std::string::npos);
    CHECK(parse_starting_offsets_json(R"({"orders":{"x":1}})").error().what.find("'x'") != std::string::npos);
    CHECK(parse_starting_offsets_json(R"({"orders":{"0":-3}})").error().what.find("orders-0") != std::string::npos);
    CHECK(parse_starting_offsets_json(R"({"orders":{"0":"1"}})").error().kind == streamsubmit::ErrorKind::Usage);
}

TEST_CASE("auto.offset.reset accepts the old names") {
    CHECK(*parse_auto_offset_reset("earliest"));
    CHECK(*parse_auto_offset_reset("smallest"));
    CHECK_FALSE(*parse_auto_offset_reset("latest"));
    CHECK_FALSE(*parse_auto_offset_reset("largest"));
    CHECK_FALSE(parse_auto_offset_reset("none").ok());
}

TEST_CASE("initial offsets: explicit beats timestamp beats reset policy") {
    const std::vector<TopicPartition> parts = {{"t", 0}, {"t", 1}, {"t", 2}};
    const WatermarkMap wm = {{{"t", 0}, {5, 100}}, {{"t", 1}, {0, 50}}, {{"t", 2}, {10, 10}}};

    StartingOffsets earliest{true, std::nullopt, std::nullopt};
    auto o = initial_offsets(parts, wm, earliest, {});
    CHECK(o.at({"t", 0}) == 5);
    CHECK(o.at({"t", 1}) == 0);

    StartingOffsets latest{false, std::nullopt, std::nullopt};
    CHECK(initial_offsets(parts, wm, latest, {}).at({"t", 0}) == 100);

    StartingOffsets exp{false, OffsetMap{{{"t", 0}, 42}, {{"t", 1}, kOffsetEarliest}}, std::nullopt};
    o = initial_offsets(parts, wm, exp, {});
    CHECK(o.at({"t", 0}) == 42);
    CHECK(o.at({"t", 1}) == 0);
    CHECK(o.at({"t", 2}) == 10); // unnamed partition: the reset policy (latest)

    StartingOffsets ts{false, std::nullopt, 1700000000000};
    o = initial_offsets(parts, wm, ts, {{{"t", 0}, 7}, {{"t", 1}, -1}});
    CHECK(o.at({"t", 0}) == 7);
    CHECK(o.at({"t", 1}) == 50); // no record that late: latest
}

TEST_CASE("starting offsets beyond a partition's log end are refused, naming the partition and both offsets") {
    const std::vector<TopicPartition> parts = {{"orders", 0}, {"orders", 1}};
    const WatermarkMap wm = {{{"orders", 0}, {0, 16655}}, {{"orders", 1}, {100, 200}}};
    StartingOffsets start{false, OffsetMap{{{"orders", 0}, 99999999}}, std::nullopt};
    auto st = check_starting_offsets_in_log(parts, wm, start);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().kind == streamsubmit::ErrorKind::Kafka); // exit 4
    CHECK(st.error().what ==
          "stream.startingOffsets is beyond the end of topic 'orders' partition 0: offset 99999999 requested, the "
          "latest offset is 16655");
    CHECK(st.error().input == "orders-0");
    CHECK(st.error().hint.find("up to 16655") != std::string::npos);

    // The log end itself is where the next record lands: accepted, as are earliest and latest.
    start.explicit_offsets = OffsetMap{{{"orders", 0}, 16655}, {{"orders", 1}, kOffsetLatest}};
    CHECK(check_starting_offsets_in_log(parts, wm, start).ok());
    start.explicit_offsets = OffsetMap{{{"orders", 0}, kOffsetEarliest}, {{"orders", 1}, 201}};
    st = check_starting_offsets_in_log(parts, wm, start);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().input == "orders-1");
    // Below the log start is the data-loss check's (stream.failOnDataLoss), not this one's.
    start.explicit_offsets = OffsetMap{{{"orders", 1}, 5}};
    CHECK(check_starting_offsets_in_log(parts, wm, start).ok());
    // Without explicit offsets there is nothing to check.
    CHECK(check_starting_offsets_in_log(parts, wm, StartingOffsets{true, std::nullopt, std::nullopt}).ok());
}
