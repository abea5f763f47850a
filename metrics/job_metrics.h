// The job's Prometheus metrics: a BatchObserver that counts what every batch did into a
// prometheus-cpp registry, and keeps the JobState the probes (and per-partition lag) read.
#pragma once

#include "metrics/job_state.h"
#include "metrics/resolution_activity.h"
#include "runtime/batch/batch_observer.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <vector>
#include <memory>
#include <string>

namespace streamsubmit::metrics {

// Labels on every streamsubmit_* series, so that several instances of one job aggregate. Not
// "job" and "instance": Prometheus sets those on every target it scrapes.
struct JobLabels {
    std::string job_name;       // --name
    std::string group;          // kafka.group.id
    std::string group_instance; // kafka.group.instance.id
};

class JobMetrics final : public runtime::BatchObserver {
public:
    JobMetrics(const JobLabels &labels, const std::string &version, std::chrono::milliseconds liveness_timeout);

    void batch_ended(const runtime::BatchEnded &ended) noexcept override;
    void rebalanced(runtime::RebalanceKind kind, size_t partitions) noexcept override;
    void log_synced(int64_t bytes, std::chrono::nanoseconds sync) noexcept override;
    // Once, after the endpoint started: the start-up resolution's numbers.
    void resolved(const ResolutionActivity &activity);

    // What /metrics serializes: this job's series (counted, and lag computed now) and the process's.
    std::vector<prometheus::MetricFamily> collect() const;
    const JobState &state() const { return state_; }
    JobState &state() { return state_; }

private:
    struct PartitionCounters {
        prometheus::Counter *records;
        prometheus::Counter *bytes;
    };
    PartitionCounters &partition_counters(const runtime::TopicPartition &tp);

    prometheus::Labels labels_;
    std::shared_ptr<prometheus::Registry> registry_;
    JobState state_;
    prometheus::Family<prometheus::Counter> &records_;
    prometheus::Family<prometheus::Counter> &bytes_;
    prometheus::Family<prometheus::Counter> &batches_;
    prometheus::Family<prometheus::Counter> &sink_commits_;
    prometheus::Family<prometheus::Counter> &rejected_;
    prometheus::Family<prometheus::Histogram> &phase_seconds_;
    prometheus::Family<prometheus::Histogram> &processing_seconds_;
    prometheus::Family<prometheus::Histogram> &scheduling_delay_seconds_;
    prometheus::Family<prometheus::Gauge> &rate_limit_;
    prometheus::Family<prometheus::Gauge> &last_batch_;
    prometheus::Family<prometheus::Counter> &rebalances_;
    prometheus::Family<prometheus::Counter> &rebalanced_partitions_;
    prometheus::Counter &log_bytes_;
    prometheus::Histogram &log_sync_seconds_;
    std::map<runtime::TopicPartition, PartitionCounters> partitions_;
    std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
};

} // namespace streamsubmit::metrics
