// One receiver thread of receiver mode, reading one topic: a stream of the job's one consumer
// (ReceiverGroup serves the group and hands it its partitions through a ReceiverMailbox), or,
// with a connector without streams (ABI 2.0), its own consumer in the group, subscribed by
// itself. It polls, cuts blocks every stream.blockInterval, stores them
// in the ReceiverHub and commits their offsets once the hub posts them: when the write-ahead
// log has them on disk (its writer thread), or, without the log, once the batch holding them
// has been output. A revocation
// finishes the blocks of the partitions first, so the next owner starts where this one
// stopped. A full buffer pauses fetching (from this, the polling thread) until the
// driver frees memory; nothing is dropped.
#pragma once

#include "runtime/plugin/application.h"
#include "runtime/receiver/block_generator.h"
#include "runtime/core/diagnostics.h"
#include "runtime/backpressure/rate_limiter.h"
#include "runtime/receiver/receiver_hub.h"
#include "runtime/receiver/receiver_mailbox.h"
#include "runtime/plugin/source.h"

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace streamsubmit::runtime {

struct ReceiverSettings {
    std::chrono::milliseconds block_interval{200};
    // A deleted topic: after this long the receiver fails the job (exit 4), or with
    // fail_on_data_loss=false warns once and stops reading it; the job goes on.
    std::chrono::milliseconds missing_topic_timeout{60'000};
    bool fail_on_data_loss = true;
    // Of the probe whether the topic is back, and of reading the group's committed offsets.
    std::chrono::milliseconds request_timeout{10'000};
    // Asked where newly assigned partitions start (its recover); not owned, may be null.
    Application *application = nullptr;
    // Told of this receiver's rebalances (the metrics); not owned, may be null.
    JobObserver *observer = nullptr;
};

// Where a receiver's records come from.
struct ReceiverInput {
    std::unique_ptr<Source> own; // its own consumer, which it subscribes (a connector without streams)
    Source *shared = nullptr;    // or the job's one consumer, read as stream `index`, not owned
    ReceiverMailbox *mailbox = nullptr; // with `shared`: its partitions and revocations
};

class Receiver {
public:
    Receiver(int index, std::string topic, ReceiverInput input, ReceiverHub &hub, ReceiverSettings settings,
             Diagnostics diagnostics);

    // The thread body: subscribe, receive until the hub stops, finish the last block and
    // its commits. Failures go to the hub.
    void run();

    const std::string &topic() const { return topic_; }

    // From another thread, once the hub is stopping: a poll waiting for records returns now
    // instead of at the end of its block interval (it would hold the final batch that long).
    void wake() { source_->interrupt(); }

private:
    // Called by the plugin inside poll(); they never throw (a failure is kept in callback_error_).
    static void on_rebalance(void *ctx, ss_rebalance_event event, const ss_topic_partition *parts,
                             size_t count) noexcept;
    static int on_records(void *ctx, const ss_record *records, size_t count) noexcept;
    void rebalance(ss_rebalance_event event, const ss_topic_partition *parts, size_t count);
    void take_records(const ss_record *records, size_t count);
    void took_partitions(const std::vector<TopicPartition> &assigned);
    void log_rebalance(std::string_view what, const std::vector<TopicPartition> &tps) const;

    Status receive_loop();
    Source::ReadOutcome poll(std::chrono::milliseconds timeout, size_t max_records);
    // With a shared consumer: what the group thread asked since the last call. `stopping`:
    // the last block is sealed; a revocation is only acknowledged.
    Status serve_mailbox(bool stopping);
    void store(std::optional<Block> block);
    Status commit(const OffsetMap &offsets);
    Status commit_posted();
    Status commit_due(); // commit_posted, at most once per block interval (a receiver with its own consumer)
    // `wait`: the buffer is full but was not for long; wait for room instead of polling.
    Status apply_backpressure(bool &wait);
    Status handle_revoke(const std::vector<TopicPartition> &revoked);
    Status pause_ended(std::vector<TopicPartition> ended);
    // `reported`: the last poll said the topic does not exist.
    Status watch_missing_topic(bool reported);
    void warn(std::string_view message) const;

    int index_;
    std::string topic_;
    std::unique_ptr<Source> own_source_;
    Source *source_;                // own_source_ or the job's consumer
    ReceiverMailbox *mailbox_;      // null with its own consumer
    bool probe_now_ = false;        // the group heard of a missing topic: check this one now
    ReceiverHub &hub_;
    ReceiverSettings settings_;
    Diagnostics diagnostics_;
    BlockGenerator generator_;
    RateLimiter limiter_;

    std::set<TopicPartition> assigned_;
    std::set<TopicPartition> ended_; // --until latest: reached their end, paused for good
    bool paused_ = false;
    std::chrono::steady_clock::time_point next_commit_{}; // commit_due's next commit, not before
    std::optional<std::chrono::steady_clock::time_point> full_since_; // the buffer has been full since
    bool repause_ = false;               // partitions were assigned while paused
    std::optional<Error> callback_error_; // from inside poll(), reported after it returns
    OffsetMap poll_positions_;            // filled by on_records during one poll
    size_t average_record_bytes_ = 256;   // sizes polls to the room left in the buffer
    std::optional<std::chrono::steady_clock::time_point> missing_since_; // the topic is gone since
    std::chrono::steady_clock::time_point last_probe_{};
    bool dropped_ = false; // deleted, and stream.failOnDataLoss=false: no longer read
    int64_t received_ = 0; // records taken by this thread, reported when it stops (-v)
    int64_t kept_ = 0;     // of them, kept in the connector's buffers (Block::worth_keeping)
    // Also reported then: where the thread's time went besides taking records.
    int64_t polls_ = 0;
    int64_t commits_ = 0;
    std::chrono::steady_clock::duration idle_wait_{}; // in polls that brought no records
    std::chrono::steady_clock::duration room_wait_{}; // for the buffer to have room
    std::chrono::steady_clock::duration commit_wait_{}; // in commits (a round trip to the coordinator)
};

} // namespace streamsubmit::runtime
