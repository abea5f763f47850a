// The status page's parts without a job: the state line (keeping up, falling behind, stalled),
// the JSON of /api/job, /api/batches and /api/partitions, and the page and paths as served.
#include "metrics/endpoint.h"
#include "metrics/pace.h"
#include "metrics/status_api.h"
#include "metrics/status_page.h"

#include "loopback_http.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace streamsubmit;
using namespace streamsubmit::metrics;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// Committed batches with these scheduling delays (ms), oldest first.
std::vector<BatchSummary> with_delays(std::vector<double> delays) {
    std::vector<BatchSummary> out;
    int64_t id = 0;
    for (double d : delays) {
        BatchSummary b;
        b.id = ++id;
        b.scheduling_delay_ms = d;
        out.push_back(b);
    }
    return out;
}

using streamsubmit::testing::http_get;

std::string body_of(const std::string &response) { return response.substr(response.find("\r\n\r\n") + 4); }

} // namespace

TEST_CASE("pace: keeping up while delays stay small or shrink; one overrun batch is not falling behind") {
    CHECK(assess_pace(with_delays({0, 0, 1, 0, 2}), 500ms, 100ms).line == "keeping up");
    // A batch overran once: the next started late, the one after on time again.
    CHECK(assess_pace(with_delays({0, 0, 400, 0}), 500ms, 100ms).state == PaceState::KeepingUp);
    CHECK(assess_pace(with_delays({0, 0, 400}), 500ms, 100ms).state == PaceState::KeepingUp);
    // Catching up: still late, but less so every batch.
    const auto catching_up = assess_pace(with_delays({3000, 2500, 2000, 1500}), 500ms, 100ms);
    CHECK(catching_up.state == PaceState::KeepingUp);
    CHECK(catching_up.growing_batches == 0);
    // Timer noise grows too, but below the noise floor (10 ms, or a twentieth of the interval).
    CHECK(assess_pace(with_delays({0, 1, 2, 3, 4}), 500ms, 100ms).state == PaceState::KeepingUp);
    CHECK(assess_pace(with_delays({0, 5, 10, 20}), 1000ms, 100ms).state == PaceState::KeepingUp);
}

TEST_CASE("pace: falling behind when each of the newest batches started later than the one before") {
    const auto behind = assess_pace(with_delays({0, 0, 500, 1000, 1500}), 500ms, 100ms);
    CHECK(behind.state == PaceState::FallingBehind);
    CHECK(behind.growing_batches == 3);
    CHECK(behind.line == "falling behind (delay growing for 3 batches)");
    CHECK(assess_pace(with_delays({0, 500, 1000}), 500ms, 100ms).line ==
          "falling behind (delay growing for 2 batches)");
    // The run counts from the newest batch back to the first that did not grow.
    CHECK(assess_pace(with_delays({900, 100, 200, 300, 400}), 500ms, 100ms).growing_batches == 3);
    // ... and ends as soon as one batch started earlier than the one before.
    CHECK(assess_pace(with_delays({0, 500, 1000, 900}), 500ms, 100ms).state == PaceState::KeepingUp);
}

TEST_CASE("pace: stalled when no batch ended for ten intervals (at least 30 s), or the last ones were not committed") {
    CHECK(stall_after(500ms) == 30s);
    CHECK(stall_after(10s) == 100s);
    const auto quiet = assess_pace(with_delays({0, 0}), 500ms, 31s);
    CHECK(quiet.state == PaceState::Stalled);
    CHECK(quiet.line == "stalled (no batch ended for 31 s)");
    CHECK(assess_pace(with_delays({0, 0}), 500ms, 29s).state == PaceState::KeepingUp);
    // A slow job that is also late: stalled wins, it says more.
    CHECK(assess_pace(with_delays({0, 500, 1000}), 500ms, 40s).state == PaceState::Stalled);
    CHECK(assess_pace({}, 500ms, 45s).line == "stalled (no batch ended in the 45 s since the start)");

    auto failing = with_delays({0, 0, 0, 0});
    for (size_t i = 1; i < failing.size(); ++i) failing[i].outcome = runtime::BatchOutcome::Failed;
    failing[2].outcome = runtime::BatchOutcome::Aborted;
    CHECK(assess_pace(failing, 500ms, 100ms).line == "stalled (the last 3 batches ended without a commit)");
    failing[1].outcome = runtime::BatchOutcome::Committed;
    CHECK(assess_pace(failing, 500ms, 100ms).state == PaceState::KeepingUp);
}

TEST_CASE("pace: starting before the first batch") {
    const auto starting = assess_pace({}, 2s, 1s);
    CHECK(starting.state == PaceState::Starting);
    CHECK(pace_name(starting.state) == "starting");
    CHECK(starting.line == "starting (no batch ended yet)");
}

TEST_CASE("/api/job: the job's fields, null for what is not set, no kafka.* value") {
    JobInfo job{"orders", "direct", "checkpoint", "g1", "", {"a", "b"}, 500ms, 1700000000000, "1.2.3", "/var/cp"};
    const auto j = json::parse(job_json(job));
    CHECK(j == json{{"name", "orders"},
                    {"mode", "direct"},
                    {"coordination", "checkpoint"},
                    {"group", "g1"},
                    {"groupInstance", nullptr},
                    {"topics", {"a", "b"}},
                    {"batchIntervalMs", 500},
                    {"startedAt", 1700000000000},
                    {"version", "1.2.3"},
                    {"checkpoint", "/var/cp"}});
    job.checkpoint.reset();
    CHECK(json::parse(job_json(job))["checkpoint"].is_null());
}

TEST_CASE("/api/batches: every kept batch oldest first, the input rate over the interval, phases, the state line") {
    auto batches = with_delays({0, 600});
    batches[0].records = 250;
    batches[0].bytes = 2500;
    batches[0].time_ms = 1000;
    batches[0].processing_ms = 120.5;
    batches[0].durations.query_ms = 1;
    batches[0].durations.plan_ms = 2;
    batches[0].durations.read_ms = 3;
    batches[0].durations.process_ms = 4;
    batches[0].durations.commit_ms = 5;
    batches[0].durations.output_ms = 6;
    batches[0].rate_limit = 900.0;
    batches[1].outcome = runtime::BatchOutcome::Aborted;
    batches[1].replayed = true;
    const Pace pace{PaceState::FallingBehind, 2, "falling behind (delay growing for 2 batches)"};
    const auto j = json::parse(batches_json(batches, 500ms, pace));
    CHECK(j["batchIntervalMs"] == 500);
    CHECK(j["state"] == json{{"state", "falling behind"}, {"line", "falling behind (delay growing for 2 batches)"},
                             {"growingBatches", 2}});
    REQUIRE(j["batches"].size() == 2);
    CHECK(j["batches"][0] == json{{"id", 1},
                                  {"time", 1000},
                                  {"outcome", "committed"},
                                  {"replayed", false},
                                  {"records", 250},
                                  {"bytes", 2500},
                                  {"rejected", 0},
                                  {"recordsPerSecond", 500.0},
                                  {"processingMs", 120.5},
                                  {"schedulingDelayMs", 0.0},
                                  {"rateLimit", 900.0},
                                  {"phasesMs",
                                   {{"query", 1.0},
                                    {"plan", 2.0},
                                    {"read", 3.0},
                                    {"process", 4.0},
                                    {"commit", 5.0},
                                    {"output", 6.0}}}});
    CHECK(j["batches"][1]["outcome"] == "aborted");
    CHECK(j["batches"][1]["replayed"] == true);
    CHECK(j["batches"][1]["rateLimit"].is_null());
    CHECK(j["batches"][1]["schedulingDelayMs"] == 600.0);
    CHECK(json::parse(batches_json({}, 2s, assess_pace({}, 2s, 0ms)))["batches"] == json::array());
}

TEST_CASE("/api/partitions: lag in records and seconds where known, null where not, ownership from the last batch") {
    PartitionState direct{"orders", 0, 90, 100, 50'000, 7};
    PartitionState caught_up{"orders", 1, 40, 40, -1, 7};
    PartitionState lost{"orders", 2, 10, std::nullopt, -1, 5}; // no latest offset yet, not in batch 7
    const auto j = json::parse(partitions_json({direct, caught_up, lost}, 7, 60'000, true));
    CHECK(j["time"] == 60'000);
    REQUIRE(j["partitions"].size() == 3);
    CHECK(j["partitions"][0] == json{{"topic", "orders"}, {"partition", 0}, {"position", 90}, {"latest", 100},
                                     {"lag", 10}, {"lagSeconds", 10.0}, {"lastBatch", 7}, {"owned", true}});
    CHECK(j["partitions"][1]["lag"] == 0);
    CHECK(j["partitions"][1]["lagSeconds"] == 0.0);
    CHECK(j["partitions"][2]["latest"].is_null());
    CHECK(j["partitions"][2]["lag"].is_null());
    CHECK(j["partitions"][2]["lagSeconds"].is_null());
    CHECK(j["partitions"][2]["owned"] == false);
    // A receiver batch names only the partitions that got records: ownership is not known.
    const auto receiver = json::parse(partitions_json({direct, lost}, 7, 60'000, false));
    CHECK(receiver["partitions"][0]["owned"].is_null());
    CHECK(receiver["partitions"][1]["owned"].is_null());
    CHECK(receiver["partitions"][1]["lastBatch"] == 5);
}

TEST_CASE("status page: GET / is the self-contained page, /api/* its JSON, other paths 404") {
    EndpointOptions options{"127.0.0.1:0", {"j", "", ""}, "9.9.9", 60s, {}};
    options.job.name = "page-test";
    options.job.batch_interval = 250ms;
    auto endpoint = MetricsEndpoint::start(options);
    REQUIRE(endpoint.ok());
    const int port = (*endpoint)->server().port();

    const auto page = http_get(port, "/");
    CHECK(page.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(page.find("Content-Type: text/html; charset=utf-8") != std::string::npos);
    CHECK(body_of(page) == status_page_html());
    // Nothing from elsewhere: no src or href attribute, no stylesheet import, no url().
    for (const char *external : {"src=", "href=", "@import", "url("})
        CHECK_MESSAGE(status_page_html().find(external) == std::string_view::npos, external);
    for (const char *api : {"api/job", "api/batches", "api/partitions", "setInterval"})
        CHECK(status_page_html().find(api) != std::string_view::npos);

    const auto job = json::parse(body_of(http_get(port, "/api/job")));
    CHECK(job["name"] == "page-test");
    CHECK(job["version"] == "9.9.9");
    const auto batches = json::parse(body_of(http_get(port, "/api/batches")));
    CHECK(batches["state"]["state"] == "starting");
    CHECK(batches["batchIntervalMs"] == 250);
    CHECK(json::parse(body_of(http_get(port, "/api/partitions")))["partitions"] == json::array());

    for (const char *other : {"/favicon.ico", "/api", "/api/batches/1", "/metrics/x"})
        CHECK_MESSAGE(http_get(port, other).rfind("HTTP/1.1 404", 0) == 0, other);
    CHECK(http_get(port, "/metrics").rfind("HTTP/1.1 200", 0) == 0);
}
