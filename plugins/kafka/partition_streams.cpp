#include "partition_streams.h"

#include "tp_list.h"

#include <algorithm>

namespace streamsubmit::kafka {
namespace {

constexpr int kWarmUpTimeoutMs = 1000; // bounded: interrupt() cannot cut a metadata request short

using Incremental = rd_kafka_error_t *(*)(rd_kafka_t *, const rd_kafka_topic_partition_list_t *);

// A stream's handle never joins a group, so librdkafka takes incremental calls whatever the
// member's protocol (rd_kafka_cgrp_rebalance_protocol is NONE), and they change only the
// partitions named: the stream's other partitions keep their fetch positions.
std::string change(Incremental call, rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *list) {
    if (!rk || list->cnt == 0)
        return {};
    rd_kafka_error_t *e = call(rk, list);
    if (!e)
        return {};
    std::string why = rd_kafka_error_string(e);
    rd_kafka_error_destroy(e);
    return why.empty() ? "refused" : why;
}

void note(std::string &all, const std::string &what, const std::string &why) {
    if (why.empty())
        return;
    all += (all.empty() ? "" : "; ") + what + ": " + why;
}

} // namespace

PartitionStream::PartitionStream(rd_kafka_t *handle) : rk(handle), queue(rd_kafka_queue_get_consumer(handle)) {
    fetch_wake.configure(rk);
}

PartitionStream::~PartitionStream() {
    if (queue)
        rd_kafka_queue_destroy(queue);
}

void PartitionStreams::set_topics(std::vector<std::string> topics) {
    std::lock_guard lock(mu_);
    topics_ = std::move(topics);
}

PartitionStream *PartitionStreams::get(int32_t index, std::string &why) {
    if (index < 0)
        return nullptr;
    const auto i = static_cast<size_t>(index);
    {
        std::lock_guard lock(mu_);
        if (i < streams_.size() && streams_[i])
            return streams_[i].get();
    }
    // Opened outside the lock (librdkafka may log, and the log callback may interrupt). One
    // thread reads a stream, so two opening the same one at once is the member's ASSIGN meeting
    // the stream's first poll: the second handle is destroyed unused.
    if (!opener_) {
        why = "no consumer handle for streams";
        return nullptr;
    }
    rd_kafka_t *rk = opener_(why);
    if (!rk)
        return nullptr;
    auto made = std::make_unique<PartitionStream>(rk);
    if (!made->queue) {
        made.reset();
        (void)destroy_until(rk, std::chrono::steady_clock::now() + std::chrono::seconds(1));
        why = "the stream's consumer has no queue";
        return nullptr;
    }
    std::unique_ptr<PartitionStream> spare;
    PartitionStream *out;
    {
        std::lock_guard lock(mu_);
        if (streams_.size() <= i)
            streams_.resize(i + 1);
        if (!streams_[i])
            streams_[i] = std::move(made);
        else
            spare = std::move(made);
        out = streams_[i].get();
    }
    if (spare) {
        rd_kafka_t *unused = spare->rk;
        spare.reset();
        (void)destroy_until(unused, std::chrono::steady_clock::now() + std::chrono::seconds(1));
    }
    return out;
}

void PartitionStreams::warm_up(PartitionStream &stream) {
    std::lock_guard warm(stream.warm_mu);
    if (stream.warmed)
        return;
    stream.warmed = true;
    std::vector<std::string> topics;
    {
        std::lock_guard lock(mu_);
        topics = topics_;
    }
    for (const auto &t : topics) {
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(stream.rk, t.c_str(), nullptr);
        if (!rkt)
            continue;
        const rd_kafka_metadata_t *md = nullptr;
        // Failures are left to the fetches, which report them with their own errors.
        if (rd_kafka_metadata(stream.rk, 0, rkt, &md, kWarmUpTimeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR)
            rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(rkt);
    }
}

PartitionStream *PartitionStreams::find(int32_t index) {
    std::lock_guard lock(mu_);
    const auto i = static_cast<size_t>(index);
    return index >= 0 && i < streams_.size() ? streams_[i].get() : nullptr;
}

rd_kafka_t *PartitionStreams::handle(int32_t index) {
    PartitionStream *s = find(index);
    return s ? s->rk : nullptr;
}

std::vector<StreamRoutes::Partition> PartitionStreams::unpark(std::vector<StreamRoutes::Partition> &tps) {
    std::vector<StreamRoutes::Partition> out;
    std::lock_guard lock(park_mu_);
    std::erase_if(tps, [&](const StreamRoutes::Partition &tp) {
        if (parked_.erase(tp) == 0)
            return false;
        out.push_back(tp);
        return true;
    });
    return out;
}

bool PartitionStreams::pause_parked(const char *topic, int32_t partition) {
    std::lock_guard lock(park_mu_);
    return topic && parked_.count(StreamRoutes::Partition{topic, partition}) > 0;
}

bool PartitionStreams::resume_parked(const char *topic, int32_t partition, std::string &why) {
    if (!topic)
        return false;
    Parked p{};
    {
        std::lock_guard lock(park_mu_);
        const auto it = parked_.find(StreamRoutes::Partition{topic, partition});
        if (it == parked_.end())
            return false;
        p = it->second;
        parked_.erase(it);
    }
    TpList list(1);
    list.add(topic, partition, p.offset);
    why = change(rd_kafka_incremental_assign, handle(p.stream), list.get());
    return true;
}

std::string PartitionStreams::assign_routed(const rd_kafka_topic_partition_list_t *assigned,
                                            rd_kafka_topic_partition_list_t *routed,
                                            const std::function<bool(const char *, int32_t)> &paused_by_host) {
    StreamRoutes::Changes joining, leaving;
    auto *being_assigned = const_cast<rd_kafka_topic_partition_list_t *>(assigned); // find() only reads it
    routes_.take_routed(
        [being_assigned](const StreamRoutes::Partition &tp) {
            return rd_kafka_topic_partition_list_find(being_assigned, tp.first.c_str(), tp.second) != nullptr;
        },
        joining, leaving);
    std::string failures;
    for (auto &[stream, tps] : leaving) {
        (void)unpark(tps); // never assigned to the handle
        TpList list(static_cast<int>(tps.size()));
        for (const auto &[topic, partition] : tps)
            list.add(topic.c_str(), partition, RD_KAFKA_OFFSET_INVALID);
        note(failures, "stream " + std::to_string(stream) + " unassign",
             change(rd_kafka_incremental_unassign, handle(stream), list.get()));
    }
    for (const auto &[stream, tps] : joining) {
        TpList list(static_cast<int>(tps.size()));
        for (const auto &[topic, partition] : tps) {
            const rd_kafka_topic_partition_t *a =
                rd_kafka_topic_partition_list_find(being_assigned, topic.c_str(), partition);
            const int64_t offset = a ? a->offset : RD_KAFKA_OFFSET_INVALID;
            rd_kafka_topic_partition_list_add(routed, topic.c_str(), partition);
            if (paused_by_host(topic.c_str(), partition)) {
                std::lock_guard lock(park_mu_);
                parked_[{topic, partition}] = {stream, offset};
                continue;
            }
            list.add(topic.c_str(), partition, offset);
        }
        std::string why;
        PartitionStream *s = get(stream, why);
        if (!s) {
            note(failures, "stream " + std::to_string(stream), why);
            continue;
        }
        warm_up(*s);
        note(failures, "stream " + std::to_string(stream) + " assign",
             change(rd_kafka_incremental_assign, s->rk, list.get()));
    }
    return failures;
}

std::string PartitionStreams::unassign(const rd_kafka_topic_partition_list_t *revoked) {
    std::vector<StreamRoutes::Partition> tps;
    tps.reserve(static_cast<size_t>(revoked->cnt));
    for (int i = 0; i < revoked->cnt; ++i)
        tps.emplace_back(revoked->elems[i].topic, revoked->elems[i].partition);
    std::string failures;
    for (auto &[stream, parts] : routes_.take_revoked(tps)) {
        (void)unpark(parts); // never assigned to the handle
        TpList list(static_cast<int>(parts.size()));
        for (const auto &[topic, partition] : parts)
            list.add(topic.c_str(), partition, RD_KAFKA_OFFSET_INVALID);
        note(failures, "stream " + std::to_string(stream) + " unassign",
             change(rd_kafka_incremental_unassign, handle(stream), list.get()));
    }
    return failures;
}

int32_t PartitionStreams::stream_of(const char *topic, int32_t partition) const {
    if (routes_.empty() || !topic)
        return -1;
    return routes_.stream_of(topic, partition);
}

void PartitionStreams::interrupt_all() {
    std::lock_guard lock(mu_);
    for (auto &s : streams_)
        if (s) {
            s->interrupted.store(true, std::memory_order_release);
            rd_kafka_queue_yield(s->queue);
        }
}

bool PartitionStreams::clear(CloseDeadline deadline) {
    std::vector<std::unique_ptr<PartitionStream>> gone;
    {
        std::lock_guard lock(mu_);
        gone.swap(streams_);
    }
    routes_.clear();
    {
        std::lock_guard lock(park_mu_);
        parked_.clear();
    }
    std::vector<rd_kafka_t *> handles;
    for (auto &s : gone)
        if (s) {
            handles.push_back(s->rk);
            s.reset(); // its queue reference goes before the handle
        }
    return destroy_all_until(handles, deadline);
}

} // namespace streamsubmit::kafka
