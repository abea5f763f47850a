#include "fetch_wake.h"

#include "prefetch_limits.h"
#include "tp_list.h"
#include "workarounds.h"

#include <algorithm>
#include <system_error>

namespace streamsubmit::kafka {
namespace {

constexpr size_t kMaxPartitions = 64; // a wake-up names at most this many (one request per leader)
// The answer is not needed: sending the request is what wakes the broker thread. The wait only
// paces the wake-ups, and it is short because the request can queue behind a Fetch the broker
// holds for fetch.wait.max.ms, and stop() (at every close) waits for it: at 500 ms, closing a
// receiver job's stream handles took 40-90 ms of its end.
constexpr int kWakeTimeoutMs = 10;

} // namespace

void FetchWake::configure(rd_kafka_t *rk) {
    stop();
    needed_ = workarounds().fetch_wake;
    const PrefetchLimits limits = PrefetchLimits::of(rk);
    records_limit_ = limits.records;
    bytes_limit_ = limits.bytes;
    records_ = bytes_ = 0;
    last_topic_ = nullptr;
    partitions_.clear();
}

void FetchWake::note_partition(const rd_kafka_message_t *m) {
    last_topic_ = m->rkt;
    last_partition_ = m->partition;
    if (partitions_.size() >= kMaxPartitions)
        return;
    std::pair<std::string, int32_t> tp{rd_kafka_topic_name(m->rkt), m->partition};
    if (std::find(partitions_.begin(), partitions_.end(), tp) == partitions_.end())
        partitions_.push_back(std::move(tp));
}

void FetchWake::after_consume(rd_kafka_t *rk, rd_kafka_queue_t *queue, size_t n) {
    if (!needed_)
        return;
    records_ += n;
    if (n == 0 || (records_ < records_limit_ / 2 && bytes_ < bytes_limit_ / 2))
        return;
    if (rd_kafka_queue_length(queue) == 0)
        wake(rk);
}

void FetchWake::after_idle_poll(rd_kafka_t *rk, const std::vector<std::pair<std::string, int32_t>> &waiting) {
    if (needed_)
        wake(rk, waiting);
}

void FetchWake::ask_end_offsets(rd_kafka_t *rk, const std::vector<std::pair<std::string, int32_t>> &partitions) {
    if (partitions.empty())
        return;
    const size_t n = std::min(partitions.size(), kMaxPartitions);
    TpList list(static_cast<int>(n));
    for (size_t i = 0; i < n; ++i)
        list.add(partitions[i].first.c_str(), partitions[i].second, RD_KAFKA_OFFSET_END); // "timestamp" -1: the end
    (void)rd_kafka_offsets_for_times(rk, list.get(), kWakeTimeoutMs);
}

void FetchWake::wake(rd_kafka_t *rk) {
    wake(rk, std::move(partitions_));
    records_ = bytes_ = 0;
    last_topic_ = nullptr;
    partitions_.clear();
}

void FetchWake::wake(rd_kafka_t *rk, Partitions partitions) {
    if (partitions.empty())
        return;
    {
        std::lock_guard lock(mu_);
        if (!waker_.joinable()) {
            stopping_ = false;
            try {
                waker_ = std::thread([this, rk] { run_waker(rk); });
            } catch (const std::system_error &) { // no thread to be had: wake from here, as before
                ask_end_offsets(rk, partitions);
                return;
            }
        }
        for (auto &tp : partitions)
            if (std::find(pending_.begin(), pending_.end(), tp) == pending_.end())
                pending_.push_back(std::move(tp));
    }
    cv_.notify_one();
}

void FetchWake::run_waker(rd_kafka_t *rk) noexcept {
    try {
        std::unique_lock lock(mu_);
        for (;;) {
            cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
            if (stopping_)
                return;
            Partitions now;
            now.swap(pending_);
            lock.unlock();
            ask_end_offsets(rk, now);
            lock.lock();
        }
    } catch (...) { // out of memory: the reader's own polls and librdkafka's timer still fetch
    }
}

void FetchWake::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        pending_.clear();
    }
    cv_.notify_one();
    if (waker_.joinable())
        waker_.join();
}

} // namespace streamsubmit::kafka
