// Receiver mode's one group member per job: one consumer (Spark's createStream: "more threads,
// not more members") whose partitions the receiver threads read as streams of it.
//
// Its thread serves the consumer queue, so librdkafka runs every rebalance callback there and
// nowhere else. On ASSIGN it spreads the new partitions over the receivers of their topic
// (spread_partitions), routes each to its receiver's stream before anything is fetched, lets
// the application choose where they start, and hands them to the receivers. On REVOKE it asks
// each receiver holding revoked partitions to finish and commit them and waits for all of
// them before the plugin unassigns; they poll again once that is done (ReceiverMailbox).
// Between rebalances it commits what the receivers output, for all of them at once, so that
// no receiver thread waits for the coordinator while records arrive.
#pragma once

#include "runtime/core/diagnostics.h"
#include "runtime/core/job_observer.h"
#include "runtime/plugin/application.h"
#include "runtime/plugin/source.h"
#include "runtime/receiver/receiver_hub.h"
#include "runtime/receiver/receiver_mailbox.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace streamsubmit::runtime {

// --until latest: the group looks up where each new partition starts (assigned_starts.h),
// kafka.auto.offset.reset telling where a partition the group never committed starts.
struct StartLookup {
    bool enabled = false;
    bool from_earliest = false;
};

class ReceiverGroup {
public:
    // `topic_of_receiver[i]`: the topic receiver i reads (stream i of the consumer).
    // `commit_interval`: how often at most the receivers' output offsets are committed
    // (stream.blockInterval).
    ReceiverGroup(std::unique_ptr<Source> source, std::vector<std::string> topic_of_receiver, ReceiverHub &hub,
                  Application *application, std::chrono::milliseconds request_timeout,
                  std::chrono::milliseconds commit_interval, Diagnostics diagnostics, JobObserver *observer,
                  StartLookup start_lookup = {});

    // On the calling thread, before any receiver polls: joins the group with every topic.
    Status subscribe();
    // The thread body: serves the group until the hub finished (the receivers committed and
    // stopped). Failures go to the hub.
    void run();

    Source &source() { return *source_; }
    ReceiverMailbox &mailbox(int receiver) { return *mailboxes_[static_cast<size_t>(receiver)]; }
    // The receivers never started (the job ended first): revocations stop waiting for them.
    void receivers_gone() {
        for (auto &m : mailboxes_) m->exited();
    }

private:
    static void on_rebalance(void *ctx, ss_rebalance_event event, const ss_topic_partition *parts,
                             size_t count) noexcept;
    static int on_records(void *ctx, const ss_record *records, size_t count) noexcept;
    Status assign(const std::vector<TopicPartition> &partitions);
    // With start_lookup_: where `partitions` start (empty when they could not be looked up).
    OffsetMap starts_of(const std::vector<TopicPartition> &partitions, const OffsetMap &moved);
    // --until latest: pauses those of `starts` already at their end, inside ASSIGN.
    Status pause_ended_at_start(const OffsetMap &starts);
    void revoke(const std::vector<TopicPartition> &partitions);
    void release_all();
    Status serve();
    void commit_due();

    std::unique_ptr<Source> source_;
    std::vector<std::string> topic_of_receiver_;
    std::map<std::string, std::vector<int>> threads_of_topic_;
    std::vector<std::unique_ptr<ReceiverMailbox>> mailboxes_;
    ReceiverHub &hub_;
    Application *application_;
    std::chrono::milliseconds request_timeout_;
    std::chrono::milliseconds commit_interval_;
    std::chrono::steady_clock::time_point next_commit_{}; // commit_due's next commit, not before
    int64_t commits_ = 0;
    std::chrono::steady_clock::duration commit_wait_{};
    Diagnostics diagnostics_;
    JobObserver *observer_; // told of each rebalance; may be null
    StartLookup start_lookup_;
    std::map<TopicPartition, int> owner_;   // which receiver reads each assigned partition
    std::optional<Error> callback_error_;   // from inside poll(), reported after it returns
};

} // namespace streamsubmit::runtime
