// Wakes librdkafka's fetcher when a reader emptied a prefetch queue that had stopped fetching.
//
// librdkafka 2.0.2 (Debian 12) stops fetching a consumer's partitions once its prefetch queue
// holds queued.min.messages records or queued.max.messages.kbytes, and looks again only when
// its broker thread wakes up: on network traffic, a request, or its 1 s timer. A reader that
// empties the queue in 100 ms then waits up to 900 ms for data, so reading was capped near one
// queue per second per consumer (fetch debug trace: "not fetchable: queued.min.messages
// exceeded", then "fetchable" again ~1 s later while the queue had been empty for most of that
// second). Any request to a partition's leader wakes that broker thread, which then fetches at
// once. From 2.2.0 the pause is fetch.queue.backoff.ms, which a wake-up does not end, so the
// wake-ups run only below that version (workarounds.h).
#pragma once

#include <librdkafka/rdkafka.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace streamsubmit::kafka {

class FetchWake {
public:
    FetchWake() = default;
    FetchWake(const FetchWake &) = delete;
    FetchWake &operator=(const FetchWake &) = delete;
    ~FetchWake() { stop(); }

    // Reads the queue thresholds of the handle's configuration (after rd_kafka_new), and
    // whether the loaded librdkafka needs the wake-ups at all; without, both calls below return
    // at once.
    void configure(rd_kafka_t *rk);
    bool needed() const { return needed_; }
    // Each message a consume call returned, in the reader's own pass over them: counted
    // there, while the message is in cache (a second pass over a poll's 4,096 messages, 1 MiB
    // of librdkafka's ops, was 2% of a receiver's CPU).
    void note(const rd_kafka_message_t *m) {
        if (!needed_ || !m->rkt)
            return;
        bytes_ += m->len + m->key_len;
        if (m->rkt != last_topic_ || m->partition != last_partition_)
            note_partition(m);
    }
    // After each consume call of `n` messages (note()d): once the reader took half a queue's
    // worth since the last wake-up and the queue is empty, asks the leaders of the partitions
    // it read for their end offsets (one round trip, taken only when the reader would
    // otherwise wait for records).
    void after_consume(rd_kafka_t *rk, rd_kafka_queue_t *queue, size_t n);

    // When a read got nothing within a poll while it still waits for records of `waiting`:
    // a new assignment (the next batch's ranges on the same partitions) purges the prefetch
    // queue, and a partition that had stopped fetching stays stopped until the broker thread
    // wakes up, so every other batch of 30000 records waited ~1 s. Wakes their leaders now.
    void after_idle_poll(rd_kafka_t *rk, const std::vector<std::pair<std::string, int32_t>> &waiting);

    // Ends the thread that makes the wake-up requests; the handle's owner calls it before it
    // destroys the handle (and configure() before it takes another).
    void stop();

private:
    using Partitions = std::vector<std::pair<std::string, int32_t>>;
    void wake(rd_kafka_t *rk); // the partitions read since the last wake-up
    void wake(rd_kafka_t *rk, Partitions partitions);
    void run_waker(rd_kafka_t *rk) noexcept;
    void note_partition(const rd_kafka_message_t *m);
    static void ask_end_offsets(rd_kafka_t *rk, const std::vector<std::pair<std::string, int32_t>> &partitions);

    bool needed_ = false;
    size_t records_limit_ = 0;
    size_t bytes_limit_ = 0;
    size_t records_ = 0;
    size_t bytes_ = 0;
    const rd_kafka_topic_t *last_topic_ = nullptr;
    int32_t last_partition_ = -1;
    Partitions partitions_; // read since the last wake-up (bounded)

    // A wake-up request is a round trip that queues behind whatever the broker holds on the
    // connection: a fetch of a partition at its log end waits there fetch.wait.max.ms for
    // data. Made on the reader's thread, it stopped the reader for that long with records
    // ready in its queue (the last 100 ms of a receiver run, seen in a fetch trace), so a
    // thread of the handle's own makes it while the reader goes on.
    std::mutex mu_;
    std::condition_variable cv_;
    Partitions pending_;    // under mu_: the next request's partitions
    bool stopping_ = false; // under mu_
    std::thread waker_;     // started by the first wake-up
};

} // namespace streamsubmit::kafka
