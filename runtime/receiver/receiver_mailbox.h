// What the job's group thread (ReceiverGroup) asks of one receiver thread when the job's one
// consumer is rebalanced, and the receiver's answers.
//
// librdkafka runs the rebalance callback on the thread that serves the consumer queue (the
// group thread), but the blocks of a revoked partition are a receiver thread's: the group
// thread asks each receiver that holds revoked partitions to finish and commit them, waits
// until they did (revoke_and_wait), and returns from the callback; the plugin then unassigns.
// Until then, and until the group thread release()s them, those receivers poll nothing, so no
// record of a revoked partition goes into a block after its offsets were committed.
#pragma once

#include "runtime/core/offset_range.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <vector>

namespace streamsubmit::runtime {

class ReceiverMailbox {
public:
    // ---- the group thread ----
    // `starts`: where they start, where known (assigned_starts.h).
    void post_assigned(std::vector<TopicPartition> partitions, OffsetMap starts = {});
    // Asks the receiver to finish the partitions; wait_revoked returns once it did (or
    // stopped receiving, or exited). Posting to every receiver first lets them work at once.
    void post_revoke(std::vector<TopicPartition> partitions);
    void wait_revoked();
    // After the plugin unassigned what was revoked: a held receiver polls again.
    void release();
    // The group heard that a subscribed topic is gone: the receiver checks its own now.
    void post_probe();

    // ---- the receiver thread ----
    struct Work {
        std::vector<TopicPartition> assigned;
        OffsetMap starts; // of some of `assigned`
        std::optional<std::vector<TopicPartition>> revoked;
        bool probe = false;
    };
    bool pending() const { return pending_.load(std::memory_order_acquire); }
    Work take();
    // After a revocation's partitions were finished: tells the group thread, then waits for
    // release() (`hold` false: a stopping receiver polls no more anyway).
    void revoke_done(bool hold);
    // The receiver thread ended: nobody answers any more.
    void exited();

private:
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::atomic<bool> pending_{false};
    Work work_;
    bool revoke_open_ = false; // posted, not yet done
    bool held_ = false;
    bool exited_ = false;
};

} // namespace streamsubmit::runtime
