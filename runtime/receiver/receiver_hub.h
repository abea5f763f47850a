// What receiver threads and the batch driver share in receiver mode: the blocks of the
// open batch (appended to the write-ahead log first, when it is on), the buffered bytes
// for backpressure, the commits each receiver owes after an output (without the log),
// the received positions for --until latest, and the stop handshake.
#pragma once

#include "common/error.h"
#include "runtime/receiver/block.h"
#include "runtime/receiver/write_ahead_log.h"
#include "runtime/core/job_observer.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace streamsubmit::runtime {

class ReceiverHub {
public:
    using Clock = std::chrono::steady_clock;

    ReceiverHub(int receivers, WriteAheadLog *wal, int64_t open_batch, size_t max_buffered_bytes);

    // ---- receiver threads ----
    // Queues the block for the open batch; with the log, for the log writer first (see
    // write_log), so a receiver never waits for the disk unless the buffer is full.
    // Once the open batch holds half the buffer, asks the driver for an early batch: a full
    // buffer would otherwise wait for the batch interval (and pause fetching meanwhile).
    void store(Block block);
    // Both record `own`, the size of the caller's open block, so that every receiver's open
    // block counts against the limit.
    // Sealed and open blocks reach stream.receiver.maxBufferedBytes.
    bool over_limit(int receiver, size_t own);
    // This receiver's share of the bytes left before the limit (SIZE_MAX without one).
    size_t room(int receiver, size_t own);
    // The size at which a receiver seals its open block before the block interval ends:
    // a quarter of the buffer shared by the receivers, so that blocks flow to the driver
    // while the others fill (SIZE_MAX without a limit).
    size_t block_limit() const;
    // Waits until the buffer has room, the job stops, or `max_wait` has passed.
    void wait_for_room(std::chrono::milliseconds max_wait);
    // Where the receivers' blocks take their arena chunks, so freed blocks' memory is reused.
    const std::shared_ptr<ChunkPool> &chunk_pool() const { return pool_; }
    bool stopping() const;
    bool finished() const;
    // For a revocation: waits until the commits of every block this receiver stored are
    // posted (or the job ends): with the log, once they are on disk; without it, once they
    // were output (asking the driver for an early batch).
    void flush_and_wait(int receiver);
    // The offsets this receiver may commit: of blocks on disk (with the log) or output (without).
    OffsetMap take_commits(int receiver);
    // take_commits of every receiver: what the job's one group member commits for all of them.
    OffsetMap take_all_commits();
    // Held while taking commits and sending them: commits taken by two threads (the group's,
    // and a receiver's own at a revocation or the stop) then reach the coordinator in the
    // order they were taken, and an older one never sets a partition back after a newer one.
    std::unique_lock<std::mutex> commit_turn() { return std::unique_lock(commit_mu_); }
    // What a failed commit says (the job goes on; the records come again after a restart).
    static std::string commit_failed_warning(const Error &error);
    // After stopping: waits until commits are posted or the job has finished.
    void wait_commits(int receiver, std::chrono::milliseconds max_wait);
    void receiver_stopped(int receiver);
    void receiver_failed(Error error);
    // The receiver's topic was deleted and dropped (stream.failOnDataLoss=false); true when
    // every receiver's topic is gone.
    bool receiver_dropped(int receiver);
    void set_assignment(int receiver, const std::set<TopicPartition> &partitions);
    // Told of every group commit to the write-ahead log (bytes, fdatasync time); may be null.
    void set_observer(JobObserver *observer) { observer_ = observer; }
    void set_paused(int receiver, bool paused);
    // The positions a receiver's poll reached, or where newly assigned partitions start;
    // returns the partitions whose --until latest end (watch_end) these positions reach for
    // the first time.
    std::vector<TopicPartition> note_received(const OffsetMap &next_offsets);
    // Records this receiver may still take for the open batch (INT64_MAX without a budget).
    int64_t batch_room(int receiver) const;
    void took(int receiver, int64_t records);
    // Records/s each receiver may take (0 = unlimited): stream.receiver.maxRate, lowered by
    // backpressure. Read by the receivers on every loop, set by the driver after each batch.
    int64_t rate_limit() const { return rate_limit_.load(std::memory_order_relaxed); }

    // ---- the log writer thread (with the log) ----
    // Until finish(): takes every queued block, writes them to the segment of the open batch
    // with one fdatasync for all (group commit), and only then queues them for the batch and
    // posts their commits. The fdatasync of a group runs on a thread of its own while the
    // next group is written: on a fast disk the two took about as long (write() 1.75 s,
    // fdatasync 1.47 s of a 10 M x 100 B job), and in turn they made the receivers wait for
    // buffer room. A group is queued for the batch of the segment it was written to: cut()
    // waits for the groups written before it (and takes the log's lock, which the writer holds
    // while writing). A failing disk fails the job.
    Status write_log();

    // ---- the driver ----
    struct Cut {
        int64_t id = 0;
        std::vector<Block> blocks;
    };
    Cut cut(); // closes the open batch
    // After the batch's output: posts its commits (without the log), frees its blocks and only
    // then gives their bytes back to the receivers, deletes its log segment, and wakes
    // receivers waiting in flush_and_wait.
    Status output_done(Cut cut, bool post_commits);
    // Sleeps until `deadline`, a flush request, a failure, the end (watch_end), or every
    // receiver stopped.
    void wait(Clock::time_point deadline);
    bool take_flush_request();
    std::optional<Error> failure() const;
    void begin_stop();
    bool all_stopped() const;
    void finish(); // lets stopped receivers commit and leave
    // Frees the blocks no batch took (a job that failed or stopped early), after the threads
    // stopped: before the consumer whose buffers their kept records point into is closed.
    void drop_blocks();
    int64_t open_batch() const;
    int64_t pauses() const; // how often a receiver paused fetching (buffer full)

    // --until latest: every partition assigned here reached `target` (or has been idle for
    // `idle`, which covers a partition whose committed offset already was the end).
    bool reached(const OffsetMap &target, std::chrono::milliseconds idle) const;
    // --until latest: wait() returns as soon as a receiver's records complete `target` (checked
    // when a partition crosses its end offset), not at the driver's next look.
    void watch_end(OffsetMap target, std::chrono::milliseconds idle);
    // Those of `starts` (where partitions start) already at their watch_end target, waiting up
    // to `max_wait` for the target (the group joins while the ends are looked up). Empty when it
    // is not set by then, or the job is ending.
    std::vector<TopicPartition> at_end(const OffsetMap &starts, std::chrono::milliseconds max_wait);
    void set_rate_limit(int64_t per_receiver) { rate_limit_.store(per_receiver, std::memory_order_relaxed); }
    // Backpressure: records each receiver may take per batch (0 = no budget), from the next
    // cut on; every cut gives each receiver this much again. It keeps a batch at rate *
    // interval records even when the one before it overran (the receivers would otherwise keep
    // taking rate records per second for as long as the driver was busy).
    void set_batch_budget(int64_t per_receiver);

private:
    mutable std::mutex mu_;
    std::mutex commit_mu_; // commit_turn
    std::mutex wal_mu_; // serializes the log; taken before mu_, never while holding it
    std::condition_variable cv_;
    WriteAheadLog *wal_;
    JobObserver *observer_ = nullptr;
    int64_t open_batch_;
    size_t max_bytes_;
    std::shared_ptr<ChunkPool> pool_;
    size_t buffered_ = 0;      // sealed blocks not yet freed (open batch and the one being output)
    size_t pending_bytes_ = 0; // sealed blocks of the open batch
    size_t open_bytes_ = 0;    // the receivers' open blocks
    std::vector<Block> pending_;
    std::vector<Block> log_queue_; // stored, waiting for the log writer
    bool log_writing_ = false;     // the log writer holds blocks it took from log_queue_
    // A group of blocks written to the log, to be acknowledged once its fdatasync returned.
    struct WrittenGroup {
        SegmentSync sync;
        std::vector<Block> blocks;
        int64_t bytes = 0;
    };
    std::deque<WrittenGroup> sync_queue_; // written, waiting for the log syncer (at most one)
    bool syncing_ = false;                // the log syncer holds a group it took from sync_queue_
    bool writer_done_ = false;

    Status write_groups();
    Status sync_groups();
    void acknowledge_locked(std::vector<Block> blocks);

    size_t total_locked() const { return buffered_ + open_bytes_; }
    void set_open_locked(int receiver, size_t own);
    void add_pending_locked(Block block);
    void post_commits_locked(const Block &block);
    bool all_stopped_locked() const;
    bool reached_locked(const OffsetMap &target, std::chrono::milliseconds idle, Clock::time_point now) const;

    struct PerReceiver {
        size_t open_bytes = 0;
        int64_t stored_seq = -1;
        int64_t logged_seq = -1; // with the log: on disk, its commits posted
        int64_t output_seq = -1;
        OffsetMap commits;
        std::set<TopicPartition> assigned;
        bool has_assignment = false;
        bool paused = false;
        bool stopped = false;
        bool dropped = false; // its topic was deleted
        int64_t room = 0; // of the batch budget
    };
    std::vector<PerReceiver> receivers_;
    OffsetMap received_;
    std::map<TopicPartition, Clock::time_point> last_activity_;
    int64_t pauses_ = 0;
    std::optional<OffsetMap> end_target_; // watch_end
    std::chrono::milliseconds end_idle_{0};
    bool end_reached_ = false;
    bool flush_requested_ = false;
    bool stopping_ = false;
    bool finished_ = false;
    std::optional<Error> failure_;
    std::atomic<int64_t> rate_limit_{0};
    int64_t batch_budget_ = 0;
};

} // namespace streamsubmit::runtime
