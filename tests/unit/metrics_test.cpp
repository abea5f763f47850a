// The metrics endpoint's parts without a job: what JobState makes of batches (lag, probes),
// the series JobMetrics exposes, /proc parsing, the HTTP server's binding, status formatting.
#include "cli/status_format.h"
#include "metrics/endpoint.h"
#include "metrics/job_metrics.h"
#include "metrics/process_collector.h"
#include "metrics/watermark_poller.h"
#include "fake_source.h"

#include "loopback_http.h"

#include <doctest/doctest.h>
#include <prometheus/text_serializer.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>

using namespace streamsubmit;
using namespace streamsubmit::metrics;
using namespace streamsubmit::runtime;

namespace {

using Clock = std::chrono::steady_clock;

struct Batch {
    BatchRecord record;
    BatchReport report;
};

// A direct batch over `ranges` ({partition, from, until, latest}), each record 10 bytes.
Batch direct_batch(int64_t id, std::vector<std::array<int64_t, 4>> ranges, std::string mode = "direct") {
    Batch b;
    b.record = {id, 1000 * id, true, {}};
    b.report.id = id;
    b.report.mode = std::move(mode);
    for (const auto &[p, from, until, latest] : ranges) {
        const OffsetRange range{{"orders", static_cast<int32_t>(p)}, from, until};
        b.record.ranges.push_back(range);
        b.report.ranges.push_back({range, until - from, (until - from) * 10, latest, until > from ? 5000 : -1});
    }
    return b;
}

BatchEnded committed(const Batch &b, bool replayed = false) {
    return {b.record, &b.report, BatchOutcome::Committed, replayed, true};
}

std::string scrape(const JobMetrics &m) {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, m.collect());
    return out.str();
}

bool has_line(const std::string &text, const std::string &line) {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        if (l == line) return true;
    return false;
}

using streamsubmit::testing::http_get;

} // namespace

TEST_CASE("JobState: lag per partition from the latest offsets a direct batch was planned with") {
    JobState state(std::chrono::seconds(60));
    const auto b = direct_batch(1, {{0, 0, 100, 150}, {1, 0, 0, 0}});
    state.batch_ended(committed(b));
    const auto parts = state.partitions();
    REQUIRE(parts.size() == 2);
    CHECK(parts[0].position == 100);
    CHECK(parts[0].lag() == 50);
    CHECK(parts[0].lag_seconds(8000) == doctest::Approx(3.0)); // now 8 s, last record at 5 s
    CHECK(parts[1].lag() == 0);
    CHECK(parts[1].lag_seconds(8000) == 0.0); // caught up: not behind, however old its last record
}

TEST_CASE("JobState: a direct batch names the owned partitions; the others are dropped") {
    JobState state(std::chrono::seconds(60));
    state.batch_ended(committed(direct_batch(1, {{0, 0, 10, 10}, {1, 0, 10, 10}})));
    state.batch_ended(committed(direct_batch(2, {{1, 10, 20, 20}})));
    const auto parts = state.partitions();
    REQUIRE(parts.size() == 1);
    CHECK(parts[0].partition == 1);
}

TEST_CASE("JobState: receiver batches have no latest offset, so no lag") {
    JobState state(std::chrono::seconds(60));
    state.batch_ended(committed(direct_batch(1, {{0, 0, 10, 10}}, "receiver")));
    REQUIRE(state.partitions().size() == 1);
    CHECK_FALSE(state.partitions()[0].lag().has_value());
}

TEST_CASE("JobState: ready once a live batch ended with partitions; not before, not while replaying, not after a failure") {
    JobState state(std::chrono::seconds(60));
    CHECK_FALSE(state.ready().ok);
    const auto none = direct_batch(1, {});
    state.batch_ended(committed(none));
    CHECK_FALSE(state.ready().ok); // a direct instance without partitions is not assigned yet
    CHECK(state.ready().why.find("no partition") != std::string::npos);
    const auto replay = direct_batch(2, {{0, 0, 10, 10}}, "receiver");
    state.batch_ended(committed(replay, true));
    CHECK_FALSE(state.ready().ok);
    CHECK(state.ready().why.find("write-ahead log") != std::string::npos);
    const auto live = direct_batch(3, {{0, 10, 20, 20}});
    state.batch_ended(committed(live));
    CHECK(state.ready().ok);
    state.batch_ended({live.record, nullptr, BatchOutcome::Failed, false, true});
    CHECK_FALSE(state.ready().ok);
}

TEST_CASE("JobState: alive while batches end within the liveness timeout, counted from the start") {
    const auto t0 = Clock::now();
    JobState state(std::chrono::seconds(10), t0);
    CHECK(state.alive(t0 + std::chrono::seconds(9)).ok);
    CHECK_FALSE(state.alive(t0 + std::chrono::seconds(11)).ok);
    const auto b = direct_batch(1, {{0, 0, 1, 1}});
    state.batch_ended(committed(b), t0 + std::chrono::seconds(11));
    CHECK(state.alive(t0 + std::chrono::seconds(20)).ok);
    const auto stuck = state.alive(t0 + std::chrono::seconds(22));
    CHECK_FALSE(stuck.ok);
    CHECK(stuck.why.find("no batch ended for 11000 ms") != std::string::npos);
}

TEST_CASE("JobState keeps the last 100 batches, oldest first") {
    JobState state(std::chrono::seconds(60));
    for (int64_t id = 0; id < 130; ++id) state.batch_ended(committed(direct_batch(id, {{0, id, id + 1, id + 1}})));
    const auto kept = state.recent_batches();
    REQUIRE(kept.size() == JobState::kKeptBatches);
    CHECK(kept.front().id == 30);
    CHECK(kept.back().id == 129);
    CHECK(kept.back().records == 1);
}

TEST_CASE("JobMetrics: records, bytes and lag per partition, batches by outcome, the job's labels") {
    JobMetrics m({"orders-job", "g1", "pod-0"}, "1.2.3", std::chrono::seconds(60));
    const auto a = direct_batch(1, {{0, 0, 100, 130}, {1, 0, 40, 40}});
    const auto b = direct_batch(2, {{0, 100, 130, 130}, {1, 40, 40, 40}});
    m.batch_ended(committed(a));
    m.batch_ended(committed(b));
    m.batch_ended({b.record, nullptr, BatchOutcome::Aborted, false, true});
    const std::string text = scrape(m);
    const std::string l = "group=\"g1\",group_instance=\"pod-0\",job_name=\"orders-job\"";
    CHECK(has_line(text, "streamsubmit_records_total{" + l + ",partition=\"0\",topic=\"orders\"} 130"));
    CHECK(has_line(text, "streamsubmit_records_total{" + l + ",partition=\"1\",topic=\"orders\"} 40"));
    CHECK(has_line(text, "streamsubmit_bytes_total{" + l + ",partition=\"0\",topic=\"orders\"} 1300"));
    CHECK(has_line(text, "streamsubmit_batches_total{" + l + ",outcome=\"committed\"} 2"));
    CHECK(has_line(text, "streamsubmit_batches_total{" + l + ",outcome=\"aborted\"} 1"));
    CHECK(has_line(text, "streamsubmit_batches_total{" + l + ",outcome=\"failed\"} 0"));
    CHECK(has_line(text, "streamsubmit_sink_commits_total{" + l + "} 2"));
    CHECK(has_line(text, "streamsubmit_build_info{" + l + ",version=\"1.2.3\"} 1"));
    CHECK(has_line(text, "streamsubmit_batch_phase_duration_seconds_count{" + l + ",phase=\"commit\"} 2"));
    CHECK(text.find("streamsubmit_consumer_lag_records{") != std::string::npos);
    CHECK(text.find("process_resident_memory_bytes ") != std::string::npos);
    CHECK(text.find("process_cpu_seconds_total ") != std::string::npos);
}

TEST_CASE("JobMetrics: rejected records of committed batches (dead letters), also in the batch the page shows") {
    JobMetrics m({"", "", ""}, "1", std::chrono::seconds(60));
    CHECK(has_line(scrape(m), "streamsubmit_rejected_records_total 0"));
    auto a = direct_batch(1, {{0, 0, 100, 100}});
    a.report.rejected = 3;
    auto b = direct_batch(2, {{0, 100, 200, 200}});
    b.report.rejected = 2;
    m.batch_ended(committed(a));
    m.batch_ended({b.record, &b.report, BatchOutcome::Aborted, false, true}); // its records come again
    CHECK(has_line(scrape(m), "streamsubmit_rejected_records_total 3"));
    REQUIRE(m.state().recent_batches().size() == 2);
    CHECK(m.state().recent_batches().front().rejected == 3);
}

TEST_CASE("parse_proc_stat reads CPU, memory, threads and start time, also with a command name holding ') '") {
    // Fields 3.. after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
    // utime stime cutime cstime priority nice threads itrealvalue starttime vsize rss ...
    const std::string stat =
        "123 (a) b) S 1 123 123 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 7 0 1000 4096000 300 18446744073709551615";
    const auto s = parse_proc_stat(stat, 100, 4096, 1'700'000'000);
    REQUIRE(s);
    CHECK(s->cpu_seconds == doctest::Approx(3.0));
    CHECK(s->threads == 7);
    CHECK(s->start_time_seconds == doctest::Approx(1'700'000'010.0));
    CHECK(s->virtual_bytes == 4096000);
    CHECK(s->resident_bytes == 300 * 4096);
    CHECK_FALSE(parse_proc_stat("garbage", 100, 4096, 0));
}

TEST_CASE("HttpServer: serves its handlers; a taken port or a malformed address is a usage error naming it") {
    auto server = HttpServer::start("127.0.0.1:0");
    REQUIRE(server.ok());
    (*server)->handle("/x", [] { return HttpResponse{503, "text/plain", "nope\n"}; });
    const int port = (*server)->port();
    REQUIRE(port > 0);
    const auto response = http_get(port, "/x");
    CHECK(response.rfind("HTTP/1.1 503", 0) == 0);
    CHECK(response.find("\r\n\r\nnope\n") != std::string::npos);

    const std::string taken = "127.0.0.1:" + std::to_string(port);
    auto second = HttpServer::start(taken);
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().kind == ErrorKind::Usage);
    CHECK(second.error().what.find(taken) != std::string::npos);
    for (const char *bad : {"9464", "host.example:9464", "127.0.0.1:99999", "127.0.0.1:x"}) {
        auto refused = HttpServer::start(bad);
        REQUIRE_FALSE(refused.ok());
        CHECK(refused.error().what.find(bad) != std::string::npos);
    }
}

TEST_CASE("MetricsEndpoint: /readyz and /healthz answer 503 until the job is ready, /metrics has the series") {
    auto endpoint = MetricsEndpoint::start({"127.0.0.1:0", {"j", "", ""}, "0.1.0", std::chrono::seconds(60), {}});
    REQUIRE(endpoint.ok());
    const int port = (*endpoint)->server().port();
    CHECK(http_get(port, "/readyz").rfind("HTTP/1.1 503", 0) == 0);
    CHECK(http_get(port, "/healthz").rfind("HTTP/1.1 200", 0) == 0);
    const auto b = direct_batch(1, {{0, 0, 5, 9}});
    (*endpoint)->metrics().batch_ended(committed(b));
    CHECK(http_get(port, "/readyz").rfind("HTTP/1.1 200", 0) == 0);
    const auto metrics = http_get(port, "/metrics");
    CHECK(metrics.find("streamsubmit_consumer_lag_records{job_name=\"j\",partition=\"0\",topic=\"orders\"} 4") !=
          std::string::npos);
}

TEST_CASE("status: a line per partition with '-' for what is unknown, then the last batch; JSON with nulls") {
    cli::JobStatus s{"/cp", "", {{"orders", 0, 90, 100}, {"orders", 1, std::nullopt, 7}}, cli::LastBatch{4, 0, "planned"}};
    const std::string text = cli::format_status_text(s);
    CHECK(text ==
          "TOPIC  PARTITION     POSITION       LATEST          LAG\n"
          "orders         0           90          100           10\n"
          "orders         1            -            7            -\n"
          "last batch 4 time=0 (1970-01-01T00:00:00Z) state=planned\n");
    CHECK(cli::format_status_json(s) ==
          "{\"checkpoint\":\"/cp\",\"group\":null,\"last_batch\":{\"id\":4,\"state\":\"planned\",\"time\":0},"
          "\"partitions\":[{\"lag\":10,\"latest\":100,\"partition\":0,\"position\":90,\"topic\":\"orders\"},"
          "{\"lag\":null,\"latest\":7,\"partition\":1,\"position\":null,\"topic\":\"orders\"}]}\n");
    s.last_batch.reset();
    CHECK(cli::format_status_text(s).ends_with("last batch: none\n"));
}

TEST_CASE("JobMetrics: rebalances by kind and the write-ahead log's bytes and fsync times") {
    JobMetrics m({"j", "", ""}, "0.1.0", std::chrono::seconds(60));
    m.rebalanced(RebalanceKind::Assigned, 3);
    m.rebalanced(RebalanceKind::Revoked, 1);
    m.rebalanced(RebalanceKind::Assigned, 2);
    m.log_synced(4096, std::chrono::milliseconds(3));
    m.log_synced(100, std::chrono::milliseconds(20));
    const std::string text = scrape(m);
    CHECK(has_line(text, "streamsubmit_rebalances_total{job_name=\"j\",kind=\"assigned\"} 2"));
    CHECK(has_line(text, "streamsubmit_rebalances_total{job_name=\"j\",kind=\"revoked\"} 1"));
    CHECK(has_line(text, "streamsubmit_rebalances_total{job_name=\"j\",kind=\"lost\"} 0"));
    CHECK(has_line(text, "streamsubmit_rebalanced_partitions_total{job_name=\"j\",kind=\"assigned\"} 5"));
    CHECK(has_line(text, "streamsubmit_wal_written_bytes_total{job_name=\"j\"} 4196"));
    CHECK(has_line(text, "streamsubmit_wal_fsync_duration_seconds_count{job_name=\"j\"} 2"));
    CHECK(has_line(text, "streamsubmit_wal_fsync_duration_seconds_bucket{job_name=\"j\",le=\"0.005\"} 1"));
}

TEST_CASE("WatermarkPoller: receiver-mode lag from the latest offsets it asks for; a failure keeps the old ones") {
    test::FakeSourceState fake; // partitions of offsets [0, 10)
    const auto plugin = test::fake_source_plugin(fake);
    JobState state(std::chrono::seconds(60));
    WatermarkPoller poller(state, [&] { return Source::create(plugin, {}, nullptr); }, std::chrono::milliseconds(0),
                           std::chrono::seconds(1), nullptr);
    CHECK(poller.poll_once().ok()); // nothing read yet: nothing asked
    state.batch_ended(committed(direct_batch(1, {{0, 0, 4, 4}}, "receiver")));
    CHECK_FALSE(state.partitions()[0].lag().has_value());
    REQUIRE(poller.poll_once().ok());
    CHECK(state.partitions()[0].latest == 10);
    CHECK(state.partitions()[0].lag() == 6);
    {
        std::lock_guard lock(fake.mutex);
        fake.failures = {SS_ERR_UNREACHABLE};
    }
    CHECK_FALSE(poller.poll_once().ok());
    CHECK(state.partitions()[0].lag() == 6);
}
