#include "runtime/receiver/receiver_hub.h"

#include "common/guarded.h"

#include <algorithm>
#include <cstdint>
#include <thread>

namespace streamsubmit::runtime {
namespace {

constexpr size_t kUnlimitedPoolBytes = 64u << 20;

} // namespace

ReceiverHub::ReceiverHub(int receivers, WriteAheadLog *wal, int64_t open_batch, size_t max_buffered_bytes)
    : wal_(wal), open_batch_(open_batch), max_bytes_(max_buffered_bytes),
      // Without a limit the pool keeps what a default-sized buffer would.
      pool_(std::make_shared<ChunkPool>(max_buffered_bytes > 0 ? max_buffered_bytes : kUnlimitedPoolBytes)),
      receivers_(static_cast<size_t>(std::max(receivers, 0))) {}

void ReceiverHub::store(Block block) {
    std::lock_guard lock(mu_);
    auto &r = receivers_.at(static_cast<size_t>(block.receiver));
    r.stored_seq = std::max(r.stored_seq, block.seq);
    set_open_locked(block.receiver, 0); // the block was the receiver's open one
    buffered_ += block.memory_bytes();
    if (wal_) {
        log_queue_.push_back(std::move(block));
        cv_.notify_all();
        return;
    }
    add_pending_locked(std::move(block));
}

void ReceiverHub::add_pending_locked(Block block) {
    pending_bytes_ += block.memory_bytes();
    pending_.push_back(std::move(block));
    if (max_bytes_ > 0 && pending_bytes_ >= max_bytes_ / 2 && !flush_requested_) {
        flush_requested_ = true;
        cv_.notify_all();
    }
}

void ReceiverHub::post_commits_locked(const Block &block) {
    auto &commits = receivers_.at(static_cast<size_t>(block.receiver)).commits;
    for (const auto &[tp, next] : block.next_offsets()) {
        auto &c = commits[tp];
        c = std::max(c, next);
    }
}

Status ReceiverHub::write_log() {
    std::thread syncer([this] {
        if (auto st = run_guarded("write-ahead log sync", [this] { return sync_groups(); }); !st)
            receiver_failed(st.error());
    });
    // Caught here, so that the syncer is always joined.
    const Status st = run_guarded("write-ahead log writer", [this] { return write_groups(); });
    {
        std::lock_guard lock(mu_);
        writer_done_ = true;
        cv_.notify_all();
    }
    syncer.join();
    return st;
}

Status ReceiverHub::write_groups() {
    std::vector<Block> blocks;
    while (true) {
        {
            std::unique_lock lock(mu_);
            // One group syncing, the next written meanwhile; the blocks stored while that one
            // waits for its turn make the group after it larger, and its sync cheaper per block.
            cv_.wait(lock, [&] { return (!log_queue_.empty() && sync_queue_.empty()) || finished_ || failure_; });
            // After finish() nothing is output any more: blocks still queued are not acknowledged
            // (a normal stop drained the queue before the final batch).
            if (failure_ || finished_) return ok_status();
            blocks = std::exchange(log_queue_, {});
            log_writing_ = true;
        }
        std::lock_guard wal_lock(wal_mu_); // cut() waits: the blocks go to the batch their segment names
        int64_t batch = 0;
        {
            std::lock_guard lock(mu_);
            batch = open_batch_;
        }
        Status st = ok_status();
        const int64_t written_before = wal_->bytes_written();
        for (const auto &block : blocks)
            if (st) st = wal_->write(batch, block);
        Result<SegmentSync> sync = st ? wal_->take_sync() : Result<SegmentSync>(st.error());
        std::lock_guard lock(mu_);
        log_writing_ = false;
        cv_.notify_all();
        if (!sync) return sync.error();
        sync_queue_.push_back({std::move(*sync), std::move(blocks), wal_->bytes_written() - written_before});
        blocks.clear();
    }
}

Status ReceiverHub::sync_groups() {
    while (true) {
        WrittenGroup group;
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [&] { return !sync_queue_.empty() || writer_done_ || finished_ || failure_; });
            if (failure_ || finished_ || sync_queue_.empty()) return ok_status();
            group = std::move(sync_queue_.front());
            sync_queue_.pop_front();
            syncing_ = true;
        }
        const auto sync_start = std::chrono::steady_clock::now();
        const Status st = group.sync.sync(); // one fdatasync for every block of the group
        if (st && observer_) observer_->log_synced(group.bytes, std::chrono::steady_clock::now() - sync_start);
        std::lock_guard lock(mu_);
        syncing_ = false;
        cv_.notify_all();
        if (!st) return st;
        acknowledge_locked(std::move(group.blocks));
    }
}

// On disk: now they may be committed and output.
void ReceiverHub::acknowledge_locked(std::vector<Block> blocks) {
    for (auto &block : blocks) {
        auto &r = receivers_.at(static_cast<size_t>(block.receiver));
        r.logged_seq = std::max(r.logged_seq, block.seq);
        post_commits_locked(block);
        add_pending_locked(std::move(block));
    }
}

void ReceiverHub::set_open_locked(int receiver, size_t own) {
    auto &r = receivers_.at(static_cast<size_t>(receiver));
    open_bytes_ = open_bytes_ - r.open_bytes + own;
    r.open_bytes = own;
}

bool ReceiverHub::over_limit(int receiver, size_t own) {
    std::lock_guard lock(mu_);
    set_open_locked(receiver, own);
    return max_bytes_ > 0 && total_locked() >= max_bytes_;
}

size_t ReceiverHub::room(int receiver, size_t own) {
    std::lock_guard lock(mu_);
    set_open_locked(receiver, own);
    if (max_bytes_ == 0) return SIZE_MAX;
    // Each receiver gets its share of what is left: they poll at the same time, and
    // together they must not take more than the room there is.
    return max_bytes_ > total_locked() ? (max_bytes_ - total_locked()) / std::max<size_t>(1, receivers_.size()) : 0;
}

void ReceiverHub::wait_for_room(std::chrono::milliseconds max_wait) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, max_wait, [&] { return total_locked() < max_bytes_ || stopping_ || finished_ || failure_; });
}

size_t ReceiverHub::block_limit() const {
    if (max_bytes_ == 0) return SIZE_MAX;
    return std::max<size_t>(1, max_bytes_ / (4 * std::max<size_t>(1, receivers_.size())));
}

bool ReceiverHub::stopping() const {
    std::lock_guard lock(mu_);
    return stopping_ || finished_;
}

bool ReceiverHub::finished() const {
    std::lock_guard lock(mu_);
    return finished_;
}

void ReceiverHub::flush_and_wait(int receiver) {
    std::unique_lock lock(mu_);
    auto &r = receivers_.at(static_cast<size_t>(receiver));
    if (wal_) {
        cv_.wait(lock, [&] { return r.logged_seq >= r.stored_seq || finished_ || failure_; });
        return;
    }
    if (r.output_seq >= r.stored_seq) return;
    flush_requested_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return r.output_seq >= r.stored_seq || finished_; });
}

OffsetMap ReceiverHub::take_commits(int receiver) {
    std::lock_guard lock(mu_);
    return std::exchange(receivers_.at(static_cast<size_t>(receiver)).commits, {});
}

std::string ReceiverHub::commit_failed_warning(const Error &error) {
    return "could not commit offsets to the consumer group (" + error.what +
           "); the records will be delivered again after a restart";
}

OffsetMap ReceiverHub::take_all_commits() {
    std::lock_guard lock(mu_);
    OffsetMap all;
    for (auto &r : receivers_) {
        for (const auto &[tp, next] : r.commits) {
            auto &c = all[tp];
            c = std::max(c, next);
        }
        r.commits.clear();
    }
    return all;
}

void ReceiverHub::wait_commits(int receiver, std::chrono::milliseconds max_wait) {
    std::unique_lock lock(mu_);
    const auto &r = receivers_.at(static_cast<size_t>(receiver));
    cv_.wait_for(lock, max_wait, [&] { return !r.commits.empty() || finished_; });
}

void ReceiverHub::receiver_stopped(int receiver) {
    std::lock_guard lock(mu_);
    set_open_locked(receiver, 0);
    receivers_.at(static_cast<size_t>(receiver)).stopped = true;
    cv_.notify_all();
}

void ReceiverHub::receiver_failed(Error error) {
    std::lock_guard lock(mu_);
    if (!failure_) failure_ = std::move(error);
    cv_.notify_all();
}

bool ReceiverHub::receiver_dropped(int receiver) {
    std::lock_guard lock(mu_);
    receivers_.at(static_cast<size_t>(receiver)).dropped = true;
    return std::all_of(receivers_.begin(), receivers_.end(), [](const PerReceiver &r) { return r.dropped; });
}

void ReceiverHub::set_assignment(int receiver, const std::set<TopicPartition> &partitions) {
    std::lock_guard lock(mu_);
    auto &r = receivers_.at(static_cast<size_t>(receiver));
    const auto now = Clock::now();
    for (const auto &tp : partitions)
        if (!r.assigned.contains(tp)) last_activity_[tp] = now;
    r.assigned = partitions;
    r.has_assignment = true;
}

void ReceiverHub::set_paused(int receiver, bool paused) {
    std::lock_guard lock(mu_);
    auto &r = receivers_.at(static_cast<size_t>(receiver));
    if (r.paused && !paused)
        for (const auto &tp : r.assigned) last_activity_[tp] = Clock::now();
    if (!r.paused && paused) ++pauses_;
    r.paused = paused;
}

int64_t ReceiverHub::pauses() const {
    std::lock_guard lock(mu_);
    return pauses_;
}

std::vector<TopicPartition> ReceiverHub::note_received(const OffsetMap &next_offsets) {
    std::lock_guard lock(mu_);
    const auto now = Clock::now();
    std::vector<TopicPartition> crossed;
    for (const auto &[tp, next] : next_offsets) {
        const auto [at, first] = received_.try_emplace(tp, next);
        int64_t &pos = at->second;
        if (end_target_)
            if (const auto t = end_target_->find(tp);
                t != end_target_->end() && (first || pos < t->second) && next >= t->second)
                crossed.push_back(tp);
        pos = std::max(pos, next);
        last_activity_[tp] = now;
    }
    // Only when a partition reaches its end: a check per partition, not per poll.
    if (!crossed.empty() && !end_reached_ && reached_locked(*end_target_, end_idle_, now)) {
        end_reached_ = true;
        cv_.notify_all();
    }
    return crossed;
}

void ReceiverHub::watch_end(OffsetMap target, std::chrono::milliseconds idle) {
    std::lock_guard lock(mu_);
    end_target_ = std::move(target);
    end_idle_ = idle;
    cv_.notify_all();
}

std::vector<TopicPartition> ReceiverHub::at_end(const OffsetMap &starts, std::chrono::milliseconds max_wait) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, max_wait, [&] { return end_target_ || stopping_ || finished_ || failure_; });
    std::vector<TopicPartition> out;
    if (!end_target_) return out;
    for (const auto &[tp, start] : starts)
        if (const auto t = end_target_->find(tp); t != end_target_->end() && start >= t->second) out.push_back(tp);
    return out;
}

void ReceiverHub::set_batch_budget(int64_t per_receiver) {
    std::lock_guard lock(mu_);
    if (batch_budget_ == 0)
        for (auto &r : receivers_) r.room = per_receiver; // the first budget applies at once
    batch_budget_ = per_receiver;
}

int64_t ReceiverHub::batch_room(int receiver) const {
    std::lock_guard lock(mu_);
    if (batch_budget_ <= 0) return INT64_MAX;
    return std::max<int64_t>(0, receivers_.at(static_cast<size_t>(receiver)).room);
}

void ReceiverHub::took(int receiver, int64_t records) {
    std::lock_guard lock(mu_);
    receivers_.at(static_cast<size_t>(receiver)).room -= records;
}

ReceiverHub::Cut ReceiverHub::cut() {
    std::lock_guard wal_lock(wal_mu_); // no append in flight (see store)
    std::unique_lock lock(mu_);
    // Groups written but not yet synced were written to this batch's segment: they are its.
    cv_.wait(lock, [&] { return (sync_queue_.empty() && !syncing_) || failure_ || finished_; });
    for (auto &r : receivers_) r.room = batch_budget_;
    Cut out{open_batch_++, std::move(pending_)};
    pending_.clear();
    pending_bytes_ = 0;
    return out;
}

Status ReceiverHub::output_done(Cut cut, bool post_commits) {
    // The memory first, without waiting for the log writer: receivers waiting for room go on
    // while it appends and fsyncs. The blocks are freed before their bytes count as free, so
    // that the process holds no more than stream.receiver.maxBufferedBytes of them.
    size_t freed = 0;
    {
        std::lock_guard lock(mu_);
        for (const auto &b : cut.blocks) {
            freed += b.memory_bytes();
            auto &r = receivers_.at(static_cast<size_t>(b.receiver));
            r.output_seq = std::max(r.output_seq, b.seq);
            if (post_commits) post_commits_locked(b);
        }
    }
    cut.blocks.clear(); // their arena chunks go back to the pool, outside the lock
    {
        std::lock_guard lock(mu_);
        buffered_ -= std::min(buffered_, freed);
        cv_.notify_all();
    }
    if (!wal_) return ok_status();
    {
        std::lock_guard wal_lock(wal_mu_); // the log object is not thread-safe
        wal_->close_through(cut.id);
    }
    // Unlinking a segment of 10-20 MiB took 3-20 ms (its page cache is dropped), which the
    // writer waited for under wal_mu_; these files are no longer the writer's (it appends to
    // batch cut.id + 1 or later), so they go outside the lock.
    return wal_->delete_through(cut.id);
}

void ReceiverHub::wait(Clock::time_point deadline) {
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, deadline, [&] {
        if (flush_requested_ || failure_ || (end_reached_ && !stopping_)) return true;
        return stopping_ && all_stopped_locked();
    });
}

bool ReceiverHub::take_flush_request() {
    std::lock_guard lock(mu_);
    return std::exchange(flush_requested_, false);
}

std::optional<Error> ReceiverHub::failure() const {
    std::lock_guard lock(mu_);
    return failure_;
}

void ReceiverHub::begin_stop() {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
}

bool ReceiverHub::all_stopped() const {
    std::lock_guard lock(mu_);
    return all_stopped_locked();
}

bool ReceiverHub::all_stopped_locked() const {
    // With the log, their last blocks must be on disk too, so that the final batch takes them.
    return log_queue_.empty() && !log_writing_ && sync_queue_.empty() && !syncing_ &&
           std::all_of(receivers_.begin(), receivers_.end(), [](const PerReceiver &r) { return r.stopped; });
}

void ReceiverHub::finish() {
    std::lock_guard lock(mu_);
    finished_ = true;
    cv_.notify_all();
}

void ReceiverHub::drop_blocks() {
    std::lock_guard lock(mu_);
    pending_.clear();
    log_queue_.clear();
    sync_queue_.clear();
}

int64_t ReceiverHub::open_batch() const {
    std::lock_guard lock(mu_);
    return open_batch_;
}

bool ReceiverHub::reached(const OffsetMap &target, std::chrono::milliseconds idle) const {
    std::lock_guard lock(mu_);
    return reached_locked(target, idle, Clock::now());
}

bool ReceiverHub::reached_locked(const OffsetMap &target, std::chrono::milliseconds idle, Clock::time_point now) const {
    for (const auto &r : receivers_) {
        if (!r.has_assignment) return false;
        for (const auto &tp : r.assigned) {
            const auto t = target.find(tp);
            if (t == target.end()) continue; // a partition created after the start
            if (const auto pos = received_.find(tp); pos != received_.end() && pos->second >= t->second) continue;
            const auto act = last_activity_.find(tp);
            if (!r.paused && act != last_activity_.end() && now - act->second >= idle) continue;
            return false;
        }
    }
    return true;
}

} // namespace streamsubmit::runtime
