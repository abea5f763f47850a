// A stream's delivery kept past its callback (ABI 2.5, ss_consumer_api.retain_records).
//
// librdkafka hands out each record as a message whose key and value point into the buffer of
// the fetch response it came in; the buffer lives as long as one of its messages does. So a
// host that keeps a delivery's records (a receiver holds them until its batch is output) can
// point at them instead of copying them: the lease owns the delivery's messages and destroys
// them when the host released every lease and poll_stream is done with them. For 10 KiB
// records that copy was most of what receiver mode cost beyond direct mode (bench/PROFILES.md).
#pragma once

#include <librdkafka/rdkafka.h>
#include <streamsubmit/plugin.h>

#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

// The ABI's opaque lease (global, as its C declaration).
struct ss_record_lease {
    std::atomic<int> refs{1}; // the delivery's own, until poll_stream is done with it
    std::vector<rd_kafka_message_t *> messages;
};

namespace streamsubmit::kafka {

// The messages one callback of poll_stream is delivering, on the stream's thread.
struct Delivery {
    rd_kafka_message_t *const *messages = nullptr;
    size_t count = 0;
    std::thread::id thread = std::this_thread::get_id();
    ss_record_lease *lease = nullptr; // set by the first retain
};

// Inside the callback, on its thread: a new reference to the delivery's lease (made on the first
// call, taking the messages over). Null on another thread.
ss_record_lease *retain(Delivery &delivery);
// Drops one reference; the last destroys the messages. Any thread; null is ignored.
void release(ss_record_lease *lease);
// After the callback: destroys the delivery's messages, or drops its reference when a lease
// took them over.
void finish(Delivery &delivery);

} // namespace streamsubmit::kafka
