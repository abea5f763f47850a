// Streams (ABI 2.1): one group member's partitions read by several host threads in parallel,
// each stream through a consumer handle of its own.
//
// librdkafka keeps one fetch in flight per handle and broker, and one broker thread of a handle
// parses every record it fetches: when the member's partition queues were forwarded to a queue
// per stream, a receiver job read no faster than one handle, about half as fast as direct mode's
// two readers (bench/PROFILES.md). So each stream fetches its share itself: a handle with the
// receiver's configuration but no group membership (never subscribed, no rebalance callback, no
// group.instance.id, never committing), its partitions assign()ed at the start the member
// settled, as group-coordinated direct mode's readers are. The member keeps the group: it
// subscribes, serves the rebalances with its own assignment paused (it fetches nothing) and
// commits for the group's generation, so the host's calls are the same as before.
//
// Routing happens inside the member's ASSIGN callback, before anything is fetched (route); the
// partitions are assigned to their streams' handles once the member settled where they start
// (assign_routed). A REVOKE unassigns them from the streams' handles after the host finished
// them and before the callback returns (unassign): librdkafka's incremental_unassign returns
// once its main thread removed the partitions, which sets their version barrier, so a revoked
// partition's records still waiting in a stream's queue are dropped by
// rd_kafka_consume_batch_queue, never delivered after the callback.
#pragma once

#include "bounded_close.h"
#include "fetch_wake.h"
#include "record_lease.h"
#include "stream_routes.h"

#include <librdkafka/rdkafka.h>
#include <streamsubmit/plugin.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace streamsubmit::kafka {

struct PartitionStream {
    // Takes `rk`, a consumer handle of its own (PartitionStreams destroys it, bounded).
    explicit PartitionStream(rd_kafka_t *rk);
    ~PartitionStream(); // releases the queue reference, not the handle
    PartitionStream(const PartitionStream &) = delete;
    PartitionStream &operator=(const PartitionStream &) = delete;

    rd_kafka_t *rk;
    rd_kafka_queue_t *queue; // rk's consumer queue
    // One thread reads a stream at a time: its own scratch buffers and fetch wake-ups.
    std::vector<rd_kafka_message_t *> msg_buf;
    std::vector<ss_record> rec_buf;
    std::vector<ss_header> header_buf;
    FetchWake fetch_wake;
    // The delivery in poll_stream's callback (retain_records), null between callbacks; read and
    // written by the stream's thread only (retain checks the thread).
    Delivery *delivering = nullptr;
    std::atomic<bool> interrupted{false};
    std::mutex warm_mu;  // warm_up runs once, on whichever thread needs the handle first
    bool warmed = false; // under warm_mu
};

class PartitionStreams {
public:
    // Opens a stream's handle; null with `why` on failure. Set once, before any get().
    using Opener = std::function<rd_kafka_t *(std::string &why)>;
    void set_opener(Opener opener) { opener_ = std::move(opener); }
    // The member's topics (subscribe), whose metadata a new handle fetches first (warm_up).
    void set_topics(std::vector<std::string> topics);

    // The stream `index`, its handle opened on first use (thread-safe; the pointer stays
    // valid until clear()). Null for a negative index or when the handle cannot be opened (`why`).
    PartitionStream *get(int32_t index, std::string &why);
    // Before a handle's first assignment: fetches the metadata of the member's topics once, so
    // that assign() finds the leaders at once (range_reader.cpp's warm-up has the reason).
    void warm_up(PartitionStream &stream);

    // ---- the member's thread, inside its rebalance callback ----
    // Inside ASSIGN: the partition's records go to `stream` (created by get() before).
    void route(const char *topic, int32_t partition, int32_t stream) { routes_.route(topic, partition, stream); }
    // After the host's ASSIGN, before the member pauses what it routed and assigns its own
    // (group_consumer.cpp): assigns every partition routed since the last call to its stream's
    // handle at its offset in `assigned` (where the member settled it; INVALID: the handle asks
    // for the group's committed offset itself). `routed` gets those partitions. One the host
    // paused inside ASSIGN (`paused_by_host`) is parked instead: assigned only when it is
    // resumed, so its stream's thread never gets a record of it meanwhile (a pause after
    // assign() would race with the first fetch). Returns why a handle refused (empty: none did).
    std::string assign_routed(const rd_kafka_topic_partition_list_t *assigned, rd_kafka_topic_partition_list_t *routed,
                              const std::function<bool(const char *topic, int32_t partition)> &paused_by_host);
    // On REVOKE, after the host finished the partitions: the streams' handles give them up.
    std::string unassign(const rd_kafka_topic_partition_list_t *revoked);
    // pause/resume of a parked partition: a pause keeps it parked (true: nothing else to do);
    // a resume assigns it to its stream's handle at its parked offset (true; `why` on failure).
    bool pause_parked(const char *topic, int32_t partition);
    bool resume_parked(const char *topic, int32_t partition, std::string &why);

    // The stream reading a partition, -1 for the member's own (not routed).
    int32_t stream_of(const char *topic, int32_t partition) const;
    bool has_routes() const { return !routes_.empty(); }
    // Stream `index` if it exists (never opens one), and its handle.
    PartitionStream *find(int32_t index);
    rd_kafka_t *handle(int32_t index);

    // Wakes every stream's reader (interrupt()).
    void interrupt_all();
    // Destroys every stream's handle by `deadline`, all at once. False when one was still closing
    // then: it was left behind, and its callbacks' opaque (the source) must stay alive.
    bool clear(CloseDeadline deadline);

private:
    Opener opener_;
    mutable std::mutex mu_; // streams_ and topics_; never held across a call that waits for librdkafka
    std::vector<std::unique_ptr<PartitionStream>> streams_;
    std::vector<std::string> topics_;
    StreamRoutes routes_;
    struct Parked {
        int32_t stream;
        int64_t offset;
    };
    // Drops the parked ones of `tps` (their handle does not have them) and returns them.
    std::vector<StreamRoutes::Partition> unpark(std::vector<StreamRoutes::Partition> &tps);
    std::mutex park_mu_; // parked_; taken by receiver threads (pause, resume) and the member's thread
    std::map<StreamRoutes::Partition, Parked> parked_;
};

} // namespace streamsubmit::kafka
