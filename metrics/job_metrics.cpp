#include "metrics/job_metrics.h"

#include "metrics/lag_collector.h"
#include "metrics/process_collector.h"

#include <cmath>
#include <iterator>
#include <limits>

namespace streamsubmit::metrics {
namespace {

using prometheus::Histogram;

// Seconds, from 1 ms to 5 min: a batch phase or delay anywhere in that range lands in a bucket.
const Histogram::BucketBoundaries &duration_buckets() {
    static const Histogram::BucketBoundaries buckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                        0.5,   1,      2.5,   5,    10,    30,   60,  300};
    return buckets;
}

prometheus::Labels job_labels(const JobLabels &l) {
    prometheus::Labels labels;
    // An empty value is no label at all for Prometheus: leave those out.
    if (!l.job_name.empty()) labels["job_name"] = l.job_name;
    if (!l.group.empty()) labels["group"] = l.group;
    if (!l.group_instance.empty()) labels["group_instance"] = l.group_instance;
    return labels;
}

template <typename Builder> auto &family(Builder builder, const char *name, const char *help,
                                         const prometheus::Labels &labels, prometheus::Registry &registry) {
    return builder.Name(name).Help(help).Labels(labels).Register(registry);
}

} // namespace

JobMetrics::JobMetrics(const JobLabels &labels, const std::string &version,
                       std::chrono::milliseconds liveness_timeout)
    : labels_(job_labels(labels)), registry_(std::make_shared<prometheus::Registry>()), state_(liveness_timeout),
      records_(family(prometheus::BuildCounter(), "streamsubmit_records_total",
                      "Records the job processed in committed batches", labels_, *registry_)),
      bytes_(family(prometheus::BuildCounter(), "streamsubmit_bytes_total",
                    "Key and value bytes the job processed in committed batches", labels_, *registry_)),
      batches_(family(prometheus::BuildCounter(), "streamsubmit_batches_total",
                      "Batches that ended, by outcome (committed, aborted, failed)", labels_, *registry_)),
      sink_commits_(family(prometheus::BuildCounter(), "streamsubmit_sink_commits_total",
                           "Batches the application (sink) committed", labels_, *registry_)),
      rejected_(family(prometheus::BuildCounter(), "streamsubmit_rejected_records_total",
                       "Records of committed batches that were rejected (stream.errors.tolerance=all): skipped, and "
                       "produced to the dead-letter topic when the job has one",
                       labels_, *registry_)),
      phase_seconds_(family(prometheus::BuildHistogram(), "streamsubmit_batch_phase_duration_seconds",
                            "Time each committed batch spent per phase (query, read, process, commit, output)",
                            labels_, *registry_)),
      processing_seconds_(family(prometheus::BuildHistogram(), "streamsubmit_batch_processing_duration_seconds",
                                 "Time from a batch's start to its output (what backpressure fits in an interval)",
                                 labels_, *registry_)),
      scheduling_delay_seconds_(family(prometheus::BuildHistogram(), "streamsubmit_scheduling_delay_seconds",
                                       "How late each batch started after it was due", labels_, *registry_)),
      rate_limit_(family(prometheus::BuildGauge(), "streamsubmit_backpressure_rate_limit",
                         "Records per second the last batch was limited to by backpressure (+Inf: unlimited)",
                         labels_, *registry_)),
      last_batch_(family(prometheus::BuildGauge(), "streamsubmit_last_batch_id", "Id of the last batch that ended",
                         labels_, *registry_)),
      rebalances_(family(prometheus::BuildCounter(), "streamsubmit_rebalances_total",
                         "Assignment changes the consumer group made to this process, by kind (assigned, revoked, "
                         "lost)",
                         labels_, *registry_)),
      rebalanced_partitions_(family(prometheus::BuildCounter(), "streamsubmit_rebalanced_partitions_total",
                                    "Partitions those assignment changes moved, by kind", labels_, *registry_)),
      log_bytes_(family(prometheus::BuildCounter(), "streamsubmit_wal_written_bytes_total",
                        "Bytes written to the write-ahead log (receiver mode)", labels_, *registry_)
                     .Add({})),
      log_sync_seconds_(family(prometheus::BuildHistogram(), "streamsubmit_wal_fsync_duration_seconds",
                               "Time of each fdatasync of the write-ahead log (one per group commit)", labels_,
                               *registry_)
                            .Add({}, duration_buckets())) {
    auto build_labels = labels_;
    build_labels["version"] = version;
    prometheus::BuildGauge()
        .Name("streamsubmit_build_info")
        .Help("Always 1; the version of the running streamsubmit in its label")
        .Labels(build_labels)
        .Register(*registry_)
        .Add({})
        .Set(1);
    for (const char *outcome : {"committed", "aborted", "failed"}) batches_.Add({{"outcome", outcome}});
    for (const char *kind : {"assigned", "revoked", "lost"}) {
        rebalances_.Add({{"kind", kind}});
        rebalanced_partitions_.Add({{"kind", kind}});
    }
    sink_commits_.Add({});
    rejected_.Add({});
    rate_limit_.Add({}).Set(std::numeric_limits<double>::infinity());
    collectables_ = {registry_, std::make_shared<LagCollector>(state_, labels_), std::make_shared<ProcessCollector>()};
}

std::vector<prometheus::MetricFamily> JobMetrics::collect() const {
    std::vector<prometheus::MetricFamily> out;
    for (const auto &c : collectables_) {
        auto families = c->Collect();
        std::move(families.begin(), families.end(), std::back_inserter(out));
    }
    return out;
}

void JobMetrics::rebalanced(runtime::RebalanceKind kind, size_t partitions) noexcept {
    try {
        const char *name = kind == runtime::RebalanceKind::Assigned  ? "assigned"
                           : kind == runtime::RebalanceKind::Revoked ? "revoked"
                                                                     : "lost";
        rebalances_.Add({{"kind", name}}).Increment();
        rebalanced_partitions_.Add({{"kind", name}}).Increment(static_cast<double>(partitions));
    } catch (...) {
        // Metrics never stop a job.
    }
}

void JobMetrics::resolved(const ResolutionActivity &a) {
    family(prometheus::BuildCounter(), "streamsubmit_resolver_requests_total",
           "HTTP requests resolving --packages and the application made at start (retries included; 0: all cached)",
           labels_, *registry_)
        .Add({})
        .Increment(static_cast<double>(a.requests));
    family(prometheus::BuildCounter(), "streamsubmit_resolver_downloaded_bytes_total",
           "Bytes those requests received", labels_, *registry_)
        .Add({})
        .Increment(static_cast<double>(a.bytes));
    family(prometheus::BuildGauge(), "streamsubmit_resolver_artifacts",
           "Artifact files the job resolved at start, from the cache or downloaded", labels_, *registry_)
        .Add({})
        .Set(static_cast<double>(a.artifacts));
    family(prometheus::BuildGauge(), "streamsubmit_resolver_duration_seconds", "How long resolving took at start",
           labels_, *registry_)
        .Add({})
        .Set(a.seconds);
}

void JobMetrics::log_synced(int64_t bytes, std::chrono::nanoseconds sync) noexcept {
    log_bytes_.Increment(static_cast<double>(bytes));
    log_sync_seconds_.Observe(std::chrono::duration<double>(sync).count());
}

JobMetrics::PartitionCounters &JobMetrics::partition_counters(const runtime::TopicPartition &tp) {
    auto it = partitions_.find(tp);
    if (it != partitions_.end()) return it->second;
    const prometheus::Labels labels = {{"topic", tp.topic}, {"partition", std::to_string(tp.partition)}};
    return partitions_.emplace(tp, PartitionCounters{&records_.Add(labels), &bytes_.Add(labels)}).first->second;
}

void JobMetrics::batch_ended(const runtime::BatchEnded &ended) noexcept {
    try {
        state_.batch_ended(ended);
        batches_.Add({{"outcome", std::string(outcome_name(ended.outcome))}}).Increment();
        last_batch_.Add({}).Set(static_cast<double>(ended.batch.id));
        const runtime::BatchReport *report = ended.report;
        if (ended.outcome != runtime::BatchOutcome::Committed || !report) return;
        if (ended.application) sink_commits_.Add({}).Increment();
        rejected_.Add({}).Increment(static_cast<double>(report->rejected));
        for (const auto &r : report->ranges) {
            auto &c = partition_counters(r.range.tp);
            c.records->Increment(static_cast<double>(r.records));
            c.bytes->Increment(static_cast<double>(r.bytes));
        }
        const auto &d = report->durations;
        const std::pair<const char *, double> phases[] = {{"query", d.query_ms},     {"read", d.read_ms},
                                                          {"process", d.process_ms}, {"commit", d.commit_ms},
                                                          {"output", d.output_ms}};
        for (const auto &[phase, ms] : phases)
            phase_seconds_.Add({{"phase", phase}}, duration_buckets()).Observe(ms / 1000.0);
        processing_seconds_.Add({}, duration_buckets()).Observe(report->processing_ms / 1000.0);
        scheduling_delay_seconds_.Add({}, duration_buckets()).Observe(report->scheduling_delay_ms / 1000.0);
        rate_limit_.Add({}).Set(report->rate_limit.value_or(std::numeric_limits<double>::infinity()));
    } catch (...) {
        // Metrics never stop a job: a failure to count (out of memory) loses one batch's numbers.
    }
}

} // namespace streamsubmit::metrics
