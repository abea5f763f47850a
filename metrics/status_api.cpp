#include "metrics/status_api.h"

#include <nlohmann/json.hpp>

namespace streamsubmit::metrics {
namespace {

using nlohmann::json;

json or_null(const std::string &s) { return s.empty() ? json(nullptr) : json(s); }
template <typename T> json or_null(const std::optional<T> &v) { return v ? json(*v) : json(nullptr); }

int64_t epoch_ms_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

HttpResponse json_response(std::string body) {
    return {200, "application/json; charset=utf-8", std::move(body)};
}

json batch_json(const BatchSummary &b, double interval_s) {
    const auto &d = b.durations;
    return {{"id", b.id},
            {"time", b.time_ms},
            {"outcome", outcome_name(b.outcome)},
            {"replayed", b.replayed},
            {"records", b.records},
            {"bytes", b.bytes},
            {"rejected", b.rejected},
            // Spark's input rate: the batch's records over the interval they arrived in.
            {"recordsPerSecond", interval_s > 0 ? static_cast<double>(b.records) / interval_s : 0.0},
            {"processingMs", b.processing_ms},
            {"schedulingDelayMs", b.scheduling_delay_ms},
            {"rateLimit", or_null(b.rate_limit)},
            {"phasesMs",
             {{"query", d.query_ms},
              {"plan", d.plan_ms},
              {"read", d.read_ms},
              {"process", d.process_ms},
              {"commit", d.commit_ms},
              {"output", d.output_ms}}}};
}

} // namespace

std::string job_json(const JobInfo &job) {
    return json{{"name", job.name},
                {"mode", job.mode},
                {"coordination", job.coordination},
                {"group", or_null(job.group)},
                {"groupInstance", or_null(job.group_instance)},
                {"topics", job.topics},
                {"batchIntervalMs", job.batch_interval.count()},
                {"startedAt", job.started_at_ms},
                {"version", job.version},
                {"checkpoint", or_null(job.checkpoint)}}
        .dump();
}

std::string batches_json(const std::vector<BatchSummary> &batches, std::chrono::milliseconds batch_interval,
                         const Pace &pace) {
    const double interval_s = static_cast<double>(batch_interval.count()) / 1000.0;
    json list = json::array();
    for (const auto &b : batches) list.push_back(batch_json(b, interval_s));
    return json{{"batchIntervalMs", batch_interval.count()},
                {"state",
                 {{"state", pace_name(pace.state)}, {"line", pace.line}, {"growingBatches", pace.growing_batches}}},
                {"batches", std::move(list)}}
        .dump();
}

std::string partitions_json(const std::vector<PartitionState> &partitions, int64_t last_committed_batch,
                            int64_t now_ms, bool direct) {
    json list = json::array();
    for (const auto &p : partitions)
        list.push_back({{"topic", p.topic},
                        {"partition", p.partition},
                        {"position", p.position},
                        {"latest", or_null(p.latest)},
                        {"lag", or_null(p.lag())},
                        {"lagSeconds", or_null(p.lag_seconds(now_ms))},
                        {"lastBatch", p.last_batch},
                        {"owned", direct ? json(p.last_batch >= 0 && p.last_batch == last_committed_batch)
                                         : json(nullptr)}});
    return json{{"time", now_ms}, {"partitions", std::move(list)}}.dump();
}

void serve_status_api(HttpServer &server, const JobState &state, const JobInfo &job) {
    server.handle("/api/job", [&job] { return json_response(job_json(job)); });
    server.handle("/api/batches", [&state, &job] {
        const auto batches = state.recent_batches();
        const auto pace = assess_pace(batches, job.batch_interval, state.since_last_batch());
        return json_response(batches_json(batches, job.batch_interval, pace));
    });
    server.handle("/api/partitions", [&state, &job] {
        return json_response(
            partitions_json(state.partitions(), state.last_committed_batch(), epoch_ms_now(), job.mode == "direct"));
    });
}

} // namespace streamsubmit::metrics
