// What the metrics endpoint knows of a running job between scrapes: each partition's position,
// latest offset and last record time, the last batches, and whether the batch loop is alive
// and the job ready. Fed by the runtime's BatchObserver calls, read by HTTP handlers (any
// thread): every read takes a snapshot under the lock.
#pragma once

#include "runtime/batch/batch_observer.h"

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace streamsubmit::metrics {

struct PartitionState {
    std::string topic;
    int32_t partition = 0;
    int64_t position = 0;           // the next offset the job reads (its last batch's until)
    // Direct mode: the latest offset when that batch was planned; receiver mode: the last one
    // WatermarkPoller asked for; none until known.
    std::optional<int64_t> latest;
    int64_t last_timestamp_ms = -1; // the last record's timestamp the job processed (-1: none yet)
    int64_t last_batch = -1;        // the last committed batch that had a range of it
    // Records waiting: latest - position (none when the latest offset is not known).
    std::optional<int64_t> lag() const;
    // Seconds the job is behind: 0 when caught up, else now minus the last processed record's
    // time (none when no record was processed yet or the latest offset is not known).
    std::optional<double> lag_seconds(int64_t now_ms) const;
};

struct BatchSummary {
    int64_t id = 0;
    int64_t time_ms = 0;
    runtime::BatchOutcome outcome = runtime::BatchOutcome::Committed;
    bool replayed = false;
    int64_t records = 0;
    int64_t bytes = 0;
    // Records the application, its decoder or its sink rejected (stream.errors.tolerance=all):
    // skipped, and produced to the dead-letter topic when the job has one.
    int64_t rejected = 0;
    runtime::BatchDurations durations;
    double processing_ms = 0;
    double scheduling_delay_ms = 0;
    std::optional<double> rate_limit;
};

struct Probe {
    bool ok = false;
    std::string why; // a line for the probe's body
};

class JobState {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr size_t kKeptBatches = 100;

    // `liveness_timeout`: the batch loop counts as stuck when no batch ended for this long.
    explicit JobState(std::chrono::milliseconds liveness_timeout, Clock::time_point started = Clock::now());

    void batch_ended(const runtime::BatchEnded &ended, Clock::time_point now = Clock::now());
    // Latest offsets asked for apart from the batches (receiver mode: WatermarkPoller); only
    // for partitions the job has read.
    void set_latest(const std::map<runtime::TopicPartition, int64_t> &latest);

    std::vector<PartitionState> partitions() const; // sorted by topic, partition
    std::vector<BatchSummary> recent_batches() const; // oldest first, at most kKeptBatches
    // The id of the last committed batch (-1: none yet): a partition with that last_batch is one
    // this instance reads now.
    int64_t last_committed_batch() const;
    // How long ago the last batch ended (any outcome), or the start when none did.
    std::chrono::milliseconds since_last_batch(Clock::time_point now = Clock::now()) const;
    // Alive: a batch ended (any outcome) within the liveness timeout, counted from the start.
    Probe alive(Clock::time_point now = Clock::now()) const;
    // Ready: the last batch ended without an error, was not replayed from the write-ahead log,
    // and in direct mode the instance owned a partition (connected, assigned).
    Probe ready() const;

private:
    std::chrono::milliseconds liveness_timeout_;
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, int32_t>, PartitionState> partitions_;
    std::deque<BatchSummary> batches_;
    Clock::time_point last_advance_;
    int64_t last_committed_ = -1;
    Probe ready_{false, "no batch has ended yet"};
};

std::string_view outcome_name(runtime::BatchOutcome outcome);

} // namespace streamsubmit::metrics
