#include "runtime/group_progress.h"

#include <fmt/format.h>

#include <algorithm>

namespace streamsubmit::runtime {
namespace {

using Clock = std::chrono::steady_clock;

// Serving the group's events in slices keeps a stop request and a revocation prompt.
constexpr std::chrono::milliseconds kServeSlice{100};

std::string names(const std::vector<TopicPartition> &partitions) {
    std::string out;
    for (const auto &tp : partitions) out += (out.empty() ? "" : ",") + to_string(tp);
    return out.empty() ? "(none)" : out;
}

} // namespace

std::string GroupProgress::commit_metadata(const BatchRecord &batch, const std::string &instance) {
    return fmt::format("batch={} instance={} time={}", batch.id, instance, batch.time_ms);
}

void GroupProgress::say(LogLevel level, const std::string &message) const {
    if (diagnostics_) diagnostics_(level, message);
}

Result<ProgressStore::Resume> GroupProgress::resume() {
    Resume out;
    if (options_.checkpoint_dir) {
        auto cp = Checkpoint::open(*options_.checkpoint_dir, options_.subscription, options_.keep_batches);
        if (!cp) return cp.error();
        checkpoint_.emplace(std::move(*cp));
        if (const auto &last = checkpoint_->last()) {
            out.next_id = last->id + 1; // batch ids stay unique per instance across restarts
            // The group wins: another instance may have read this one's partitions since.
            say(LogLevel::Info, fmt::format("checkpoint {} is this instance's log of its batches (last: {}); in group "
                                            "mode each partition starts at the group's committed offset",
                                            checkpoint_->dir().string(), last->id));
        }
    }
    if (auto st = member_.join_group(options_.topics, &GroupProgress::on_rebalance, this); !st) return st.error();
    say(LogLevel::Info, fmt::format("joined consumer group {} as {}; waiting for partitions", options_.group,
                                    options_.instance));
    return out;
}

void GroupProgress::on_rebalance(void *ctx, ss_rebalance_event event, const ss_topic_partition *partitions,
                                 size_t count) {
    std::vector<TopicPartition> tps;
    tps.reserve(count);
    for (size_t i = 0; i < count; ++i) tps.push_back({partitions[i].topic, partitions[i].partition});
    // Nothing may throw into the plugin: a failure here leaves the batch pending, and its
    // commit then fails and aborts it.
    try {
        static_cast<GroupProgress *>(ctx)->rebalanced(event, tps);
    } catch (...) {
    }
}

void GroupProgress::rebalanced(ss_rebalance_event event, const std::vector<TopicPartition> &partitions) {
    if (partitions.empty()) return; // a cooperative rebalance that moved nothing of ours
    if (event == SS_REBALANCE_ASSIGN) {
        for (const auto &tp : partitions) {
            owned_.insert(tp);
            fresh_.insert(tp);
            committed_.erase(tp);
        }
        say(LogLevel::Info, fmt::format("group {}: assigned {} (now {} partitions)", options_.group, names(partitions),
                                        owned_.size()));
        return;
    }
    const bool lost = event == SS_REBALANCE_LOST;
    const bool touches_batch = in_flight_ && fate_ == Fate::Pending &&
                               std::any_of(partitions.begin(), partitions.end(),
                                           [this](const TopicPartition &tp) { return in_flight_offsets_.contains(tp); });
    if (touches_batch) {
        // Revoked: the member still owns them until this returns, so the batch commits now.
        // Lost: another member may own them already; committing could overwrite its progress.
        if (lost || !try_commit()) {
            fate_ = Fate::Aborted;
            if (abort_reason_.empty()) abort_reason_ = lost ? "its partitions were lost" : "its partitions were revoked";
        }
    }
    for (const auto &tp : partitions) {
        owned_.erase(tp);
        fresh_.erase(tp);
        committed_.erase(tp);
    }
    say(lost ? LogLevel::Warn : LogLevel::Info,
        fmt::format("group {}: {} {} (now {} partitions)", options_.group,
                    lost ? "lost (session expired or fenced)" : "revoked", names(partitions), owned_.size()));
}

std::optional<ProgressStore::Ownership> GroupProgress::ownership() {
    Ownership out;
    out.partitions.assign(owned_.begin(), owned_.end());
    out.fresh.assign(fresh_.begin(), fresh_.end());
    fresh_.clear();
    return out;
}

Result<OffsetMap> GroupProgress::stored_positions(const std::vector<TopicPartition> &partitions) {
    auto committed = member_.committed_offsets(partitions, options_.request_timeout);
    if (!committed) return committed.error();
    for (const auto &[tp, offset] : *committed) committed_[tp] = offset;
    return committed;
}

Status GroupProgress::serve(std::chrono::milliseconds timeout) {
    auto outcome = member_.serve_group(timeout);
    if (outcome.status == SS_OK || outcome.status == SS_ERR_INTERRUPTED) return ok_status();
    if (outcome.status == SS_ERR_FENCED)
        return Error(ErrorKind::Kafka, "this instance was fenced out of consumer group " + options_.group + ": " +
                                           outcome.error.what,
                     options_.instance,
                     "give every instance its own kafka.group.instance.id; two running processes must never share one");
    return outcome.error;
}

Result<bool> GroupProgress::wait_until(Clock::time_point deadline) {
    do {
        if (stop_.requested()) return true;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (auto st = serve(std::clamp(left, std::chrono::milliseconds(0), kServeSlice)); !st) return st.error();
    } while (Clock::now() < deadline);
    return stop_.requested();
}

Status GroupProgress::planned(const BatchRecord &batch) {
    if (!checkpoint_) return ok_status();
    BatchRecord record = batch;
    record.complete = false;
    return checkpoint_->record(record);
}

// The batch's partitions this member still owns restart at the group's committed offset: a
// transactional sink may have committed the batch with its output although the group commit
// after it was refused, or refused it with its output. A partition the group has no offset
// for keeps its position (re-placing it would apply the starting options again).
void GroupProgress::reread(const BatchRecord &batch) {
    for (const auto &r : batch.ranges)
        if (owned_.contains(r.tp) && committed_.contains(r.tp)) {
            fresh_.insert(r.tp);
            committed_.erase(r.tp);
        }
}

bool GroupProgress::abandon(const BatchRecord &batch, const std::string &reason) {
    reread(batch);
    say(LogLevel::Warn, fmt::format("batch {} aborted, not committed to group {}; its partitions' owner reads it "
                                    "again ({})",
                                    batch.id, options_.group, reason));
    return true;
}

// Only partitions whose committed offset changes: a partition that gained nothing is
// committed once (its start), so a later owner starts there and not at its starting options.
OffsetMap GroupProgress::changed_untils(const BatchRecord &batch) const {
    OffsetMap out;
    for (const auto &r : batch.ranges) {
        const auto it = committed_.find(r.tp);
        if (it == committed_.end() || it->second != r.until) out[r.tp] = r.until;
    }
    return out;
}

bool GroupProgress::try_commit() {
    auto st = member_.commit_offsets(in_flight_offsets_, commit_metadata(*in_flight_, options_.instance));
    if (st) {
        fate_ = Fate::Committed;
        for (const auto &[tp, offset] : in_flight_offsets_) committed_[tp] = offset;
        return true;
    }
    abort_reason_ = st.error().what;
    return false;
}

Result<bool> GroupProgress::completed(const BatchRecord &batch) {
    in_flight_ = &batch;
    in_flight_offsets_ = changed_untils(batch);
    fate_ = in_flight_offsets_.empty() ? Fate::Committed : Fate::Pending;
    abort_reason_.clear();
    const auto deadline = Clock::now() + options_.commit_patience;
    while (fate_ == Fate::Pending) {
        if (try_commit()) break;
        const ss_status why = member_.last_status();
        const bool transient = why == SS_ERR_UNREACHABLE || why == SS_ERR_TIMEOUT;
        if (why != SS_ERR_FENCED && !transient) {
            in_flight_ = nullptr;
            return Error(ErrorKind::Kafka, "cannot commit batch " + std::to_string(batch.id) + " to consumer group " +
                                               options_.group + ": " + abort_reason_,
                         "", "check the brokers' logs and the group's ACLs");
        }
        if (Clock::now() >= deadline) {
            fate_ = Fate::Aborted;
            break;
        }
        // A rebalance is under way: let the group settle; a revocation of the batch's
        // partitions commits or aborts it inside the callback.
        if (auto st = serve(kServeSlice); !st) {
            in_flight_ = nullptr;
            return st.error();
        }
    }
    in_flight_ = nullptr;
    if (fate_ == Fate::Aborted) {
        reread(batch);
        say(LogLevel::Warn, fmt::format("batch {} aborted, not committed to group {} ({}); its partitions' next owner "
                                        "reads it again",
                                        batch.id, options_.group, abort_reason_));
        return false;
    }
    if (checkpoint_) {
        BatchRecord record = batch;
        record.complete = true;
        if (auto st = checkpoint_->record(record); !st) return st.error();
    }
    if (!in_flight_offsets_.empty())
        say(LogLevel::Info, fmt::format("batch {} committed to group {}", batch.id, options_.group));
    return true;
}

} // namespace streamsubmit::runtime
