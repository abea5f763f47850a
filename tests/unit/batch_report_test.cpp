#include "runtime/batch/batch_report.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace streamsubmit::runtime;

namespace {
BatchReport sample() {
    BatchReport r;
    r.id = 3;
    r.time_ms = 1700000000123;
    r.mode = "direct";
    r.ranges = {{{{"orders", 0}, 10, 20}, 10, 1000, 25}, {{{"orders", 1}, 7, 7}, 0, 0, 7}};
    r.durations = {1.5, 20.25, 0.125};
    return r;
}
} // namespace

TEST_CASE("text report: header line then one line per partition, empty ranges included") {
    CHECK(format_text(sample()) == "batch 3 time=1700000000123 records=10\n"
                                   "orders 0 10 20\n"
                                   "orders 1 7 7\n");
}

TEST_CASE("JSON report: one line with ranges, counts and durations") {
    const std::string line = format_json(sample());
    CHECK(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);
    const auto doc = nlohmann::json::parse(line);
    CHECK(doc["batch"] == 3);
    CHECK(doc["time"] == 1700000000123);
    CHECK(doc["mode"] == "direct");
    CHECK(doc["records"] == 10);
    CHECK(doc["bytes"] == 1000);
    CHECK(doc["durationMs"]["read"] == doctest::Approx(20.25));
    REQUIRE(doc["ranges"].size() == 2);
    CHECK(doc["ranges"][0] == nlohmann::json{{"topic", "orders"}, {"partition", 0}, {"fromOffset", 10},
                                             {"untilOffset", 20}, {"records", 10}, {"logEndOffset", 25}});
}

TEST_CASE("JSON report: the backpressure rate in force (null without one), scheduling delay, processing time") {
    auto report = sample();
    auto doc = nlohmann::json::parse(format_json(report));
    CHECK(doc["rateLimit"].is_null());
    CHECK(doc["schedulingDelayMs"] == 0);
    report.rate_limit = 1250.5;
    report.scheduling_delay_ms = 340;
    report.processing_ms = 980.5;
    doc = nlohmann::json::parse(format_json(report));
    CHECK(doc["processingMs"] == doctest::Approx(980.5));
    CHECK(doc["rateLimit"] == doctest::Approx(1250.5));
    CHECK(doc["schedulingDelayMs"] == doctest::Approx(340));
    CHECK(format_text(report) == format_text(sample())); // the seed's text form is unchanged
}
