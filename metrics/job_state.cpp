#include "metrics/job_state.h"

#include <fmt/format.h>

#include <algorithm>

namespace streamsubmit::metrics {

std::optional<int64_t> PartitionState::lag() const {
    if (!latest) return std::nullopt;
    return std::max<int64_t>(0, *latest - position);
}

std::optional<double> PartitionState::lag_seconds(int64_t now_ms) const {
    const auto records = lag();
    if (!records) return std::nullopt;
    if (*records == 0) return 0.0;
    if (last_timestamp_ms < 0) return std::nullopt;
    return std::max<int64_t>(0, now_ms - last_timestamp_ms) / 1000.0;
}

std::string_view outcome_name(runtime::BatchOutcome outcome) {
    switch (outcome) {
    case runtime::BatchOutcome::Committed: return "committed";
    case runtime::BatchOutcome::Aborted: return "aborted";
    case runtime::BatchOutcome::Failed: return "failed";
    }
    return "failed";
}

JobState::JobState(std::chrono::milliseconds liveness_timeout, Clock::time_point started)
    : liveness_timeout_(liveness_timeout), last_advance_(started) {}

void JobState::batch_ended(const runtime::BatchEnded &ended, Clock::time_point now) {
    BatchSummary summary;
    summary.id = ended.batch.id;
    summary.time_ms = ended.batch.time_ms;
    summary.outcome = ended.outcome;
    summary.replayed = ended.replayed;
    const runtime::BatchReport *report = ended.report;
    if (report) {
        summary.records = report->records();
        summary.bytes = report->bytes();
        summary.rejected = report->rejected;
        summary.durations = report->durations;
        summary.processing_ms = report->processing_ms;
        summary.scheduling_delay_ms = report->scheduling_delay_ms;
        summary.rate_limit = report->rate_limit;
    }
    std::lock_guard lock(mutex_);
    last_advance_ = now;
    batches_.push_back(summary);
    if (batches_.size() > kKeptBatches) batches_.pop_front();

    if (ended.outcome == runtime::BatchOutcome::Failed) {
        ready_ = {false, fmt::format("batch {} failed", ended.batch.id)};
        return;
    }
    if (ended.replayed) {
        ready_ = {false, fmt::format("replaying the write-ahead log (batch {})", ended.batch.id)};
        return;
    }
    const bool direct = report && report->mode == "direct";
    if (ended.outcome == runtime::BatchOutcome::Committed && report) {
        if (direct) {
            // A direct batch names every partition the instance owns: drop the ones it lost.
            std::map<std::pair<std::string, int32_t>, PartitionState> owned;
            for (const auto &r : report->ranges) {
                const auto key = std::make_pair(r.range.tp.topic, r.range.tp.partition);
                auto it = partitions_.find(key);
                if (it != partitions_.end()) owned.insert(*it);
            }
            partitions_ = std::move(owned);
        }
        for (const auto &r : report->ranges) {
            auto &p = partitions_[{r.range.tp.topic, r.range.tp.partition}];
            p.topic = r.range.tp.topic;
            p.partition = r.range.tp.partition;
            p.position = r.range.until;
            // Receivers do not ask for the log end (their report says until): no lag from it.
            if (direct) p.latest = r.log_end_offset;
            if (r.last_timestamp_ms >= 0) p.last_timestamp_ms = r.last_timestamp_ms;
            p.last_batch = ended.batch.id;
        }
        last_committed_ = ended.batch.id;
    }
    if (direct && ended.batch.ranges.empty())
        ready_ = {false, "no partition assigned to this instance"};
    else
        ready_ = {true, fmt::format("batch {} {}", ended.batch.id, outcome_name(ended.outcome))};
}

void JobState::set_latest(const std::map<runtime::TopicPartition, int64_t> &latest) {
    std::lock_guard lock(mutex_);
    for (const auto &[tp, offset] : latest) {
        auto it = partitions_.find({tp.topic, tp.partition});
        if (it != partitions_.end()) it->second.latest = offset;
    }
}

std::vector<PartitionState> JobState::partitions() const {
    std::lock_guard lock(mutex_);
    std::vector<PartitionState> out;
    out.reserve(partitions_.size());
    for (const auto &[key, p] : partitions_) out.push_back(p);
    return out;
}

std::vector<BatchSummary> JobState::recent_batches() const {
    std::lock_guard lock(mutex_);
    return {batches_.begin(), batches_.end()};
}

int64_t JobState::last_committed_batch() const {
    std::lock_guard lock(mutex_);
    return last_committed_;
}

std::chrono::milliseconds JobState::since_last_batch(Clock::time_point now) const {
    std::lock_guard lock(mutex_);
    return std::chrono::duration_cast<std::chrono::milliseconds>(now - last_advance_);
}

Probe JobState::alive(Clock::time_point now) const {
    std::lock_guard lock(mutex_);
    const auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_advance_);
    if (idle > liveness_timeout_)
        return {false, fmt::format("no batch ended for {} ms (metrics.livenessTimeout {} ms)", idle.count(),
                                   liveness_timeout_.count())};
    return {true, fmt::format("last batch ended {} ms ago", idle.count())};
}

Probe JobState::ready() const {
    std::lock_guard lock(mutex_);
    return ready_;
}

} // namespace streamsubmit::metrics
