#include "partition_streams.h"

namespace streamsubmit::kafka {

PartitionStream::PartitionStream(rd_kafka_t *rk) : queue(rd_kafka_queue_new(rk)) { fetch_wake.configure(rk); }

PartitionStream::~PartitionStream() {
    if (queue)
        rd_kafka_queue_destroy(queue);
}

PartitionStream *PartitionStreams::get(rd_kafka_t *rk, int32_t index) {
    if (index < 0 || !rk)
        return nullptr;
    std::lock_guard lock(mu_);
    while (streams_.size() <= static_cast<size_t>(index))
        streams_.push_back(std::make_unique<PartitionStream>(rk));
    return streams_[static_cast<size_t>(index)].get();
}

bool PartitionStreams::route(rd_kafka_t *rk, const char *topic, int32_t partition, PartitionStream &stream) {
    rd_kafka_queue_t *pq = rd_kafka_queue_get_partition(rk, topic, partition);
    if (!pq)
        return false;
    rd_kafka_queue_forward(pq, stream.queue);
    rd_kafka_queue_destroy(pq); // the forwarding holds its own references
    return true;
}

void PartitionStreams::interrupt_all() {
    std::lock_guard lock(mu_);
    for (auto &s : streams_) {
        s->interrupted.store(true, std::memory_order_release);
        rd_kafka_queue_yield(s->queue);
    }
}

void PartitionStreams::clear() {
    std::lock_guard lock(mu_);
    streams_.clear();
}

} // namespace streamsubmit::kafka
