// Streams (ABI 2.1): one consumer's partitions read by several host threads in parallel.
//
// Each stream is a queue of its own; a partition routed to it has its partition queue
// (rd_kafka_queue_get_partition) forwarded there. Routing happens inside the ASSIGN callback,
// before the assignment is made: once a partition queue was forwarded by the application,
// librdkafka no longer forwards it to the consumer queue when fetching starts (rdkafka.h,
// rd_kafka_queue_forward), so no record of it reaches poll(). The consumer queue keeps the
// group's events, served by whichever thread calls poll(): the rebalance callback runs
// there and nowhere else (librdkafka calls it from the thread that serves that queue).
// A revoked partition's records still waiting in a stream's queue carry an outdated fetch
// version once it is unassigned, and rd_kafka_consume_batch_queue drops them.
#pragma once

#include "fetch_wake.h"

#include <librdkafka/rdkafka.h>
#include <streamsubmit/plugin.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace streamsubmit::kafka {

struct PartitionStream {
    explicit PartitionStream(rd_kafka_t *rk);
    ~PartitionStream();
    PartitionStream(const PartitionStream &) = delete;
    PartitionStream &operator=(const PartitionStream &) = delete;

    rd_kafka_queue_t *queue;
    // One thread reads a stream at a time: its own scratch buffers and fetch wake-ups.
    std::vector<rd_kafka_message_t *> msg_buf;
    std::vector<ss_record> rec_buf;
    std::vector<ss_header> header_buf;
    FetchWake fetch_wake;
    std::atomic<bool> interrupted{false};
};

class PartitionStreams {
public:
    // The stream `index` of the handle `rk`, created on first use (thread-safe; the pointer
    // stays valid until clear()). Null for a negative index.
    PartitionStream *get(rd_kafka_t *rk, int32_t index);
    // Forwards the partition's queue to the stream's. False when librdkafka has no such partition.
    static bool route(rd_kafka_t *rk, const char *topic, int32_t partition, PartitionStream &stream);
    // Wakes every stream's reader (interrupt()).
    void interrupt_all();
    // Before the handle is destroyed: librdkafka must not outlive a queue reference.
    void clear();

private:
    std::mutex mu_;
    std::vector<std::unique_ptr<PartitionStream>> streams_;
};

} // namespace streamsubmit::kafka
