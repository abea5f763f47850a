#include "runtime/progress/group_progress.h"

#include <fmt/format.h>

#include <algorithm>

namespace streamsubmit::runtime {
namespace {
using Clock = std::chrono::steady_clock;
} // namespace

GroupProgress::GroupProgress(GroupProgressOptions options, Source &member, GroupOwnership &ownership,
                             Diagnostics diagnostics)
    : options_(std::move(options)), member_(member), ownership_(ownership), diagnostics_(std::move(diagnostics)) {
    ownership_.set_listener(this);
}

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
    return out;
}

void GroupProgress::assigned(const std::vector<TopicPartition> &partitions) {
    for (const auto &tp : partitions) committed_.erase(tp);
}

void GroupProgress::leaving(const std::vector<TopicPartition> &partitions, bool lost) {
    const bool touches_batch = in_flight_ && fate_ == Fate::Pending &&
                               std::any_of(partitions.begin(), partitions.end(),
                                           [this](const TopicPartition &tp) { return in_flight_offsets_.contains(tp); });
    if (touches_batch) {
        // Revoked: the member still owns them until this returns, so the batch commits now.
        // Lost: another member may own them already; committing could overwrite its progress.
        if (lost || !try_commit().ok()) {
            fate_ = Fate::Aborted;
            if (abort_reason_.empty()) abort_reason_ = lost ? "its partitions were lost" : "its partitions were revoked";
        }
    }
    for (const auto &tp : partitions) committed_.erase(tp);
}

Result<OffsetMap> GroupProgress::stored_positions(const std::vector<TopicPartition> &partitions) {
    auto committed = member_.committed_offsets(partitions, options_.request_timeout);
    if (!committed) return committed.error();
    for (const auto &[tp, offset] : *committed) committed_[tp] = offset;
    return committed;
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
        if (ownership_.owns(r.tp) && committed_.contains(r.tp)) {
            ownership_.reread(r.tp);
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

Status GroupProgress::try_commit() {
    auto st = member_.commit_offsets(in_flight_offsets_, commit_metadata(*in_flight_, options_.instance));
    if (!st) {
        abort_reason_ = st.error().what;
        return st;
    }
    fate_ = Fate::Committed;
    for (const auto &[tp, offset] : in_flight_offsets_) committed_[tp] = offset;
    return st;
}

Result<bool> GroupProgress::completed(const BatchRecord &batch) {
    in_flight_ = &batch;
    in_flight_offsets_ = changed_untils(batch);
    fate_ = in_flight_offsets_.empty() ? Fate::Committed : Fate::Pending;
    abort_reason_.clear();
    const auto deadline = Clock::now() + options_.commit_patience;
    while (fate_ == Fate::Pending) {
        const Status commit = try_commit();
        if (commit) break;
        const Cause why = commit.error().cause;
        const bool transient = why == Cause::Unreachable || why == Cause::Timeout;
        if (why != Cause::Fenced && !transient) {
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
        if (auto st = ownership_.serve(GroupOwnership::kServeSlice); !st) {
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
