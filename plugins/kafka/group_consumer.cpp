#include "group_consumer.h"

#include "assigned_start.h"
#include "errors.h"
#include "rebalance_protocol.h"
#include "record.h"
#include "tp_list.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

namespace streamsubmit::kafka {

namespace {

constexpr size_t kMaxBatch = 4096;
// Of the committed-offset query before an assignment (assigned_start.h); librdkafka's own
// query, the fallback, retries on its own.
constexpr std::chrono::milliseconds kCommittedTimeout{5'000};

void notify(KafkaSource &src, ss_rebalance_event event, const rd_kafka_topic_partition_list_t *parts) {
    if (!src.on_rebalance || src.closing)
        return;
    std::vector<ss_topic_partition> tps;
    tps.reserve(static_cast<size_t>(parts->cnt));
    for (int i = 0; i < parts->cnt; ++i)
        tps.push_back({parts->elems[i].topic, parts->elems[i].partition, parts->elems[i].offset});
    src.on_rebalance(src.rebalance_ctx, event, tps.data(), tps.size(), sizeof(ss_topic_partition));
}

using PartitionListCall = rd_kafka_resp_err_t (*)(rd_kafka_t *, rd_kafka_topic_partition_list_t *);

ss_status handle_list_call(rd_kafka_t *rk, const TpList &list, const char *what, PartitionListCall call,
                           ss_error *err) {
    if (list.size() == 0)
        return SS_OK;
    if (rd_kafka_resp_err_t e = call(rk, list.get()))
        return set_error(err, SS_ERR_BROKER, std::string("kafka: ") + what + " failed: " + rd_kafka_err2str(e));
    for (int i = 0; i < list.size(); ++i)
        if (list[i].err)
            return set_error(err, SS_ERR_BROKER, std::string("kafka: ") + what + " " +
                                                     topic_partition_name(list[i].topic, list[i].partition) +
                                                     " failed: " + rd_kafka_err2str(list[i].err));
    return SS_OK;
}

// Each partition on the handle that fetches it: a stream's, if routed there, else the member's.
ss_status partition_list_call(KafkaSource &src, const ss_topic_partition *parts, size_t count, size_t stride,
                              const char *what, PartitionListCall call, ss_error *err) {
    std::map<int32_t, std::unique_ptr<TpList>> by_stream; // -1: the member's own handle
    const bool resuming = call == rd_kafka_resume_partitions;
    for (size_t i = 0; i < count; ++i) {
        const ss_topic_partition &p = *ss_const_at(ss_topic_partition, parts, stride, i);
        const int32_t stream = src.streams.stream_of(p.topic, p.partition);
        // A stream's partition the host paused inside ASSIGN was never given to its handle.
        if (stream >= 0) {
            std::string why;
            if (resuming ? src.streams.resume_parked(p.topic, p.partition, why)
                         : src.streams.pause_parked(p.topic, p.partition)) {
                if (!why.empty())
                    return set_error(err, SS_ERR_BROKER, std::string("kafka: ") + what + " " +
                                                             topic_partition_name(p.topic, p.partition) +
                                                             " failed: " + why);
                continue;
            }
        }
        auto &list = by_stream[stream];
        if (!list)
            list = std::make_unique<TpList>(static_cast<int>(count));
        list->add(p.topic, p.partition, RD_KAFKA_OFFSET_INVALID);
    }
    for (const auto &[stream, list] : by_stream) {
        rd_kafka_t *rk = stream < 0 ? src.rk() : src.streams.handle(stream);
        if (!rk)
            continue; // the handle is gone (closing): nothing fetches these any more
        if (ss_status st = handle_list_call(rk, *list, what, call, err); st != SS_OK)
            return st;
    }
    return SS_OK;
}

void assign(KafkaSource &src, rd_kafka_t *rk, rd_kafka_topic_partition_list_t *partitions,
            RebalanceProtocol protocol) {
    if (const std::string why = assign_partitions(rk, partitions, protocol); !why.empty())
        src.log(SS_LOG_WARN, "kafka: assign failed: " + why);
}

// rd_kafka_pause_partitions skips a partition of a topic the handle has no object for yet
// (UNKNOWN_PARTITION), as before the member's first assign of the topic: one is made for the
// call. The application's pause outlives the assign, which resets only librdkafka's own.
std::string pause_before_assign(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *partitions) {
    if (partitions->cnt == 0)
        return {};
    std::vector<rd_kafka_topic_t *> topics;
    for (int i = 0; i < partitions->cnt; ++i) {
        const char *name = partitions->elems[i].topic;
        const bool known = std::any_of(topics.begin(), topics.end(), [name](rd_kafka_topic_t *t) {
            return std::strcmp(rd_kafka_topic_name(t), name) == 0;
        });
        if (!known)
            if (rd_kafka_topic_t *t = rd_kafka_topic_new(rk, name, nullptr))
                topics.push_back(t);
    }
    std::string why;
    if (rd_kafka_resp_err_t e = rd_kafka_pause_partitions(rk, partitions))
        why = rd_kafka_err2str(e);
    for (int i = 0; i < partitions->cnt && why.empty(); ++i)
        if (const rd_kafka_resp_err_t e = partitions->elems[i].err)
            why = topic_partition_name(partitions->elems[i].topic, partitions->elems[i].partition) + ": " +
                  rd_kafka_err2str(e);
    for (rd_kafka_topic_t *t : topics)
        rd_kafka_topic_destroy(t);
    return why;
}

// A receiver's host is told before the assignment is made, so that it can choose where the
// partitions start (an application's recover): the offsets it gave replace "committed".
void assign_where_the_host_says(KafkaSource &src, rd_kafka_t *rk, rd_kafka_topic_partition_list_t *partitions,
                                RebalanceProtocol protocol) {
    std::lock_guard assigning(src.assign_mu);
    src.start_at.clear();
    src.deferred_pauses.clear();
    src.assigning = true;
    src.assigning_thread = std::this_thread::get_id();
    try {
        notify(src, SS_REBALANCE_ASSIGN, partitions);
    } catch (...) {
        src.log(SS_LOG_ERROR, "kafka: rebalance listener failed");
    }
    src.assigning = false;
    for (const auto &want : src.start_at)
        for (int i = 0; i < partitions->cnt; ++i)
            if (partitions->elems[i].partition == want.partition && want.topic == partitions->elems[i].topic)
                partitions->elems[i].offset = want.offset;
    src.start_at.clear();
    settle_assigned_start(rk, partitions, kCommittedTimeout);
    // What the host routed to streams is fetched by the streams' handles, from where the member
    // settled it; the member fetches none of it (its own records would be dropped by poll).
    // The host's pauses inside ASSIGN, last call per partition wins.
    std::map<std::pair<std::string, int32_t>, bool> paused;
    for (const auto &d : src.deferred_pauses)
        paused[{d.topic, d.partition}] = d.pause;
    const auto paused_by_host = [&paused](const char *topic, int32_t partition) {
        const auto it = paused.find({topic, partition});
        return it != paused.end() && it->second;
    };
    TpList routed(partitions->cnt);
    if (const std::string why = src.streams.assign_routed(partitions, routed.get(), paused_by_host); !why.empty())
        src.log(SS_LOG_WARN, "kafka: assigning partitions to the receiver threads' consumers failed: " + why);
    // Paused before the member's own assign: paused after it, the member's broker thread had
    // often sent its first Fetch already (a third of the runs in a fetch trace: ~35 k records
    // of 4 partitions fetched, parsed and dropped while the streams' own first fetches waited
    // on the same broker).
    if (const std::string why = pause_before_assign(rk, routed.get()); !why.empty())
        src.log(SS_LOG_WARN, "kafka: pausing the member's routed partitions failed: " + why);
    assign(src, rk, partitions, protocol);
    for (const auto &d : src.deferred_pauses) {
        const bool being_assigned = rd_kafka_topic_partition_list_find(partitions, d.topic.c_str(), d.partition);
        if (being_assigned && src.streams.stream_of(d.topic.c_str(), d.partition) >= 0)
            continue; // a stream's new partition: parked above while paused, assigned unpaused otherwise
        // The member's own, or a partition assigned before: as a pause or resume outside ASSIGN.
        const ss_topic_partition tp{d.topic.c_str(), d.partition, RD_KAFKA_OFFSET_INVALID};
        ss_error e{};
        e.struct_size = sizeof e;
        if (partition_list_call(src, &tp, 1, sizeof tp, d.pause ? "pause" : "resume",
                                d.pause ? rd_kafka_pause_partitions : rd_kafka_resume_partitions, &e) != SS_OK)
            src.log(SS_LOG_WARN, std::string("kafka: pause/resume after assign failed: ") + e.message);
    }
    src.deferred_pauses.clear();
}

// Inside ASSIGN the partitions are not assigned yet: pause/resume wait until they are.
ss_status defer_pause(KafkaSource &src, const ss_topic_partition *parts, size_t count, size_t stride, bool pause) {
    for (size_t i = 0; i < count; ++i) {
        const ss_topic_partition &p = *ss_const_at(ss_topic_partition, parts, stride, i);
        src.deferred_pauses.push_back({p.topic, p.partition, pause});
    }
    return SS_OK;
}

} // namespace

ss_status start_assigned_at(KafkaSource &src, const ss_topic_partition *positions, size_t count, size_t stride,
                            ss_error *err) {
    if (!src.assigning)
        return set_error(err, SS_ERR_CONFIG, "kafka: start_assigned_at is only valid inside on_rebalance(ASSIGN)");
    for (size_t i = 0; i < count; ++i) {
        const ss_topic_partition &p = *ss_const_at(ss_topic_partition, positions, stride, i);
        if (p.offset >= 0 && p.topic)
            src.start_at.push_back({p.topic, p.partition, p.offset});
    }
    return SS_OK;
}

void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *partitions,
                  void *opaque) {
    auto &src = *static_cast<KafkaSource *>(opaque);
    const RebalanceProtocol protocol = rebalance_protocol(rk);
    try {
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
            src.ever_assigned = true;
            if (src.mode() != KafkaSource::Mode::Member) {
                src.join_wake.assigned(partitions->cnt); // receivers only: members poll without it
                assign_where_the_host_says(src, rk, partitions, protocol);
                return;
            }
            assign(src, rk, partitions, protocol);
            // A group-mode member reads nothing itself: the host's readers read the ranges.
            rd_kafka_pause_partitions(rk, partitions);
            notify(src, SS_REBALANCE_ASSIGN, partitions);
            return;
        }
        if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
            if (src.mode() != KafkaSource::Mode::Member)
                src.join_wake.revoked_all();
            const bool lost = rd_kafka_assignment_lost(rk);
            if (lost)
                src.log(SS_LOG_WARN, "kafka: partitions lost (session timed out); commits for them will fail");
            // Only a member tells lost from revoked: its host aborts instead of committing.
            const bool tell_lost = lost && src.mode() == KafkaSource::Mode::Member;
            notify(src, tell_lost ? SS_REBALANCE_LOST : SS_REBALANCE_REVOKE, partitions);
        } else {
            src.log(SS_LOG_WARN, std::string("kafka: rebalance error: ") + rd_kafka_err2str(err));
        }
    } catch (const std::exception &e) {
        src.log(SS_LOG_ERROR, std::string("kafka: rebalance listener failed: ") + e.what());
    } catch (...) {
        src.log(SS_LOG_ERROR, "kafka: rebalance listener failed");
    }
    // Revoke (or error): give the partitions up after the host has committed what it holds,
    // first on the streams' handles that fetch them (returns once librdkafka removed them).
    if (src.mode() != KafkaSource::Mode::Member)
        if (const std::string why = src.streams.unassign(partitions); !why.empty())
            src.log(SS_LOG_WARN, "kafka: taking revoked partitions from the receiver threads' consumers failed: " + why);
    (void)unassign_partitions(rk, partitions, protocol);
}

namespace {

// The group no longer counts this member as the owner: a rebalance moved the partitions,
// or the session expired (or another process took its group.instance.id).
bool is_fenced_error(rd_kafka_resp_err_t e) {
    switch (e) {
    case RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID:
    case RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST:
        return true;
    default:
        return false;
    }
}

ss_status commit_error(KafkaSource &src, size_t count, rd_kafka_resp_err_t e, ss_error *err) {
    const ss_status st = is_fenced_error(e)      ? SS_ERR_FENCED
                         : is_transport_error(e) ? SS_ERR_UNREACHABLE
                                                 : SS_ERR_BROKER;
    return set_error(err, st, std::string("kafka: commit of ") + std::to_string(count) +
                                  " offsets failed (brokers at " + src.bootstrap_servers() +
                                  "): " + rd_kafka_err2name(e) + ": " + rd_kafka_err2str(e));
}

} // namespace

ss_status commit_offsets(KafkaSource &src, const ss_topic_partition *offsets, size_t count, size_t stride,
                         const char *metadata, ss_error *err) {
    if (!src.has_user_group())
        return set_error(err, SS_ERR_CONFIG, "kafka.group.id: committing offsets needs a consumer group; "
                                             "set kafka.group.id");
    if (count == 0)
        return SS_OK;
    TpList list(static_cast<int>(count));
    const size_t metadata_size = metadata ? std::strlen(metadata) : 0;
    for (size_t i = 0; i < count; ++i) {
        const ss_topic_partition &o = *ss_const_at(ss_topic_partition, offsets, stride, i);
        rd_kafka_topic_partition_t *p = list.add(o.topic, o.partition, o.offset);
        if (metadata_size > 0) { // librdkafka copies it and frees it with the list
            p->metadata = rd_kafka_mem_malloc(src.rk(), metadata_size);
            std::memcpy(p->metadata, metadata, metadata_size);
            p->metadata_size = metadata_size;
        }
    }
    // Not rd_kafka_commit: its synchronous form waits for the answer without a bound (the
    // request's own timeout, socket.timeout.ms, 60 s by default), and a receiver's last commit
    // to a broker that stopped answering then took all of stream.stopTimeout, leaving none for
    // the group leave and the close. The answer arrives on a queue of this call's own.
    std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)> answer(rd_kafka_queue_new(src.rk()),
                                                                                  &rd_kafka_queue_destroy);
    rd_kafka_resp_err_t e = rd_kafka_commit_queue(src.rk(), list.get(), answer.get(), nullptr, nullptr);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
        return commit_error(src, count, e, err);
    std::unique_ptr<rd_kafka_event_t, decltype(&rd_kafka_event_destroy)> result(
        rd_kafka_queue_poll(answer.get(), static_cast<int>(src.commit_timeout().count())), &rd_kafka_event_destroy);
    if (!result) // the queue goes; librdkafka drops the answer if it still comes
        return set_error(err, SS_ERR_UNREACHABLE,
                         "kafka: commit of " + std::to_string(count) + " offsets got no answer within " +
                             seconds_text(src.commit_timeout()) + " (brokers at " + src.bootstrap_servers() +
                             "); it may still take effect");
    e = rd_kafka_event_error(result.get());
    if (e == RD_KAFKA_RESP_ERR__NO_OFFSET)
        return SS_OK;
    if (const rd_kafka_topic_partition_list_t *parts = rd_kafka_event_topic_partition_list(result.get()))
        for (int i = 0; i < parts->cnt && !e; ++i)
            e = parts->elems[i].err;
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
        return SS_OK;
    return commit_error(src, count, e, err);
}

ss_status subscribe_as(KafkaSource::Mode mode, KafkaSource &src, const char *const *topics, size_t topic_count,
                       ss_rebalance_fn on_rebalance, void *ctx, ss_error *err) {
    if (!src.has_user_group())
        return set_error(err, SS_ERR_CONFIG, "kafka.group.id: joining a group (receiver mode, or "
                                             "stream.kafka.coordination=group) needs a consumer group; set "
                                             "kafka.group.id (--group)");
    if (topic_count == 0)
        return set_error(err, SS_ERR_CONFIG, "kafka: subscribe needs at least one topic");
    // A subscribed handle is configured for its mode: rebalance listener, auto.offset.reset.
    if (src.mode() != mode || src.subscribed)
        if (ss_status st = src.reopen(mode, err); st != SS_OK)
            return st;
    src.on_rebalance = on_rebalance;
    src.rebalance_ctx = ctx;
    TpList list(static_cast<int>(topic_count));
    for (size_t i = 0; i < topic_count; ++i)
        list.add(topics[i], RD_KAFKA_PARTITION_UA, RD_KAFKA_OFFSET_INVALID);
    if (rd_kafka_resp_err_t e = rd_kafka_subscribe(src.rk(), list.get()))
        return set_error(err, SS_ERR_BROKER, std::string("kafka: subscribe failed: ") + rd_kafka_err2str(e));
    src.subscribed = true;
    if (mode == KafkaSource::Mode::Receiver)
        src.streams.set_topics(std::vector<std::string>(topics, topics + topic_count));
    return SS_OK;
}

namespace {

// What one poll reads: the consumer queue (poll) or a stream's queue (poll_stream), each with
// its own scratch buffers, so that streams are read in parallel.
struct Reader {
    rd_kafka_t *rk; // the handle that fetches into `queue`
    rd_kafka_queue_t *queue;
    std::vector<rd_kafka_message_t *> &msgs;
    std::vector<ss_record> &recs;
    std::vector<ss_header> &hdrs;
    FetchWake &fetch_wake;
    JoinWake *join_wake;           // the consumer queue only: keeps the group's join moving
    std::atomic<bool> *interrupted; // a stream's flag; null: the source's
    Delivery **delivering;          // a stream's: where retain_records finds the callback's delivery
};

bool take_interrupt(KafkaSource &src, Reader &r) {
    return r.interrupted ? r.interrupted->exchange(false, std::memory_order_acq_rel) : src.take_interrupt();
}

ss_status read_queue(KafkaSource &src, Reader &r, int timeout_ms, size_t max_records, ss_records_fn fn, void *ctx,
                     ss_error *err) {
    std::vector<rd_kafka_message_t *> &msgs = r.msgs;
    std::vector<ss_record> &recs = r.recs;
    std::vector<ss_header> &hdrs = r.hdrs;
    const size_t want = max_records == 0 ? kMaxBatch : std::min(max_records, kMaxBatch);
    if (msgs.size() < want)
        msgs.resize(want);
    if (recs.size() < want)
        recs.resize(want);
    // A stream keeps an interrupt until a poll takes it: its host checks whether to stop, then
    // polls, and an interrupt that comes between the two must still end this poll (cleared
    // here, it was lost, and the poll waited out its timeout: up to a block interval at the
    // end of every --until latest job whose last partition ended on another thread).
    if (!r.interrupted)
        src.begin_blocking_call();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0));
    for (;;) {
        if (take_interrupt(src, r))
            return set_error(err, SS_ERR_INTERRUPTED, "kafka: poll interrupted");
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                                std::chrono::steady_clock::now());
        // librdkafka's batch consume waits for a full batch or the timeout (its documented
        // contract, in every version); poll returns what has arrived, so block for the first
        // message only, then drain without waiting.
        const auto remaining = std::max(left, std::chrono::milliseconds(0));
        const auto wait = r.join_wake ? r.join_wake->slice(remaining) : remaining;
        ssize_t got = rd_kafka_consume_batch_queue(r.queue, static_cast<int>(wait.count()), msgs.data(), 1);
        if (got == 1 && want > 1) {
            ssize_t more = rd_kafka_consume_batch_queue(r.queue, 0, msgs.data() + 1, want - 1);
            got += more > 0 ? more : 0;
        }
        if (got < 0)
            return set_error(err, SS_ERR_BROKER_TRANSIENT, std::string("kafka: consume failed: ") +
                                                               rd_kafka_err2str(rd_kafka_last_error()));
        const size_t n = static_cast<size_t>(got);
        if (n == 0 && r.join_wake)
            r.join_wake->after_empty_consume(r.rk);
        size_t nrec = 0;
        hdrs.clear();
        ss_status st = SS_OK;
        // Records come in runs of one topic: its name is looked up once per run, not per record.
        const rd_kafka_topic_t *name_of = nullptr;
        const char *topic = nullptr;
        for (size_t i = 0; i < n && st == SS_OK; ++i) {
            rd_kafka_message_t *m = msgs[i];
            r.fetch_wake.note(m);
            if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) [[likely]] {
                if (m->rkt != name_of) {
                    name_of = m->rkt;
                    topic = rd_kafka_topic_name(m->rkt);
                }
                // The member's poll: a routed partition's record fetched before its pause took
                // effect. Its stream's handle delivers it.
                if (r.join_wake && src.streams.has_routes() && src.streams.stream_of(topic, m->partition) >= 0)
                    [[unlikely]]
                    continue;
                fill_record(recs[nrec++], m, topic, 0, hdrs);
                continue;
            }
            if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
                continue;
            std::string where =
                m->rkt ? topic_partition_name(rd_kafka_topic_name(m->rkt), m->partition) + ": " : std::string();
            if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET || m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
                st = set_error(err, SS_ERR_OFFSET_OUT_OF_RANGE,
                               "kafka: " + where + "offset " + std::to_string(m->offset) +
                                   " is out of range: " + rd_kafka_message_errstr(m));
            } else if (src.mode() == KafkaSource::Mode::Receiver && is_unknown_topic(m->err)) {
                // Repeated at every fetch while the topic is gone: the host decides how long to wait.
                st = set_error(err, SS_ERR_UNKNOWN_TOPIC,
                               "kafka: " + where + rd_kafka_err2name(m->err) + ": " + rd_kafka_message_errstr(m));
            } else if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
                char reason[512];
                rd_kafka_resp_err_t fe = rd_kafka_fatal_error(r.rk, reason, sizeof reason);
                st = set_error(err, SS_ERR_BROKER,
                               std::string("kafka: fatal error: ") + rd_kafka_err2name(fe) + ": " + reason);
            } else {
                src.log(SS_LOG_WARN,
                        "kafka: " + where + rd_kafka_err2name(m->err) + ": " + rd_kafka_message_errstr(m));
            }
        }
        // Records before an error in the same batch are still delivered: their positions are gone.
        int stop = 0;
        attach_headers(recs.data(), nrec, hdrs);
        Delivery delivery{msgs.data(), n};
        if (nrec > 0) {
            if (r.delivering)
                *r.delivering = &delivery;
            stop = fn(ctx, recs.data(), nrec, sizeof(ss_record));
            if (r.delivering)
                *r.delivering = nullptr;
        }
        if (st == SS_OK && !stop)
            r.fetch_wake.after_consume(r.rk, r.queue, n);
        finish(delivery);
        if (st != SS_OK)
            return st;
        if (auto gone = r.join_wake ? src.take_unknown_topic() : std::nullopt)
            return set_error(err, SS_ERR_UNKNOWN_TOPIC, "kafka: " + *gone);
        if (stop)
            return set_error(err, SS_ERR_INTERRUPTED, "kafka: poll stopped by the record callback");
        // Only events arrived (rebalance, EOF, warnings): keep waiting for records until the timeout.
        if (nrec > 0 || std::chrono::steady_clock::now() >= deadline)
            break;
    }
    if (take_interrupt(src, r))
        return set_error(err, SS_ERR_INTERRUPTED, "kafka: poll interrupted");
    return SS_OK;
}

} // namespace

ss_status poll(KafkaSource &src, int timeout_ms, size_t max_records, ss_records_fn fn, void *ctx, ss_error *err) {
    Reader r{src.rk(), src.queue(), src.msg_buf, src.rec_buf, src.header_buf, src.fetch_wake, &src.join_wake, nullptr,
             nullptr};
    return read_queue(src, r, timeout_ms, max_records, fn, ctx, err);
}

ss_status poll_stream(KafkaSource &src, int32_t stream, int timeout_ms, size_t max_records, ss_records_fn fn,
                      void *ctx, ss_error *err) {
    if (src.mode() != KafkaSource::Mode::Receiver || !src.subscribed)
        return set_error(err, SS_ERR_CONFIG, "kafka: poll_stream needs a subscribed receiver source (subscribe)");
    if (stream < 0)
        return set_error(err, SS_ERR_CONFIG, "kafka: poll_stream: no stream " + std::to_string(stream));
    std::string why;
    PartitionStream *s = src.streams.get(stream, why);
    if (!s)
        return set_error(err, SS_ERR_BROKER, "kafka: poll_stream: stream " + std::to_string(stream) + ": " + why);
    // Its first poll: the handle learns its topics' leaders while the member joins the group.
    src.streams.warm_up(*s);
    Reader r{s->rk, s->queue, s->msg_buf, s->rec_buf, s->header_buf, s->fetch_wake, nullptr, &s->interrupted,
             &s->delivering};
    return read_queue(src, r, timeout_ms, max_records, fn, ctx, err);
}

ss_record_lease *retain_records(KafkaSource &src, int32_t stream) {
    PartitionStream *s = src.streams.find(stream);
    if (!s || !s->delivering)
        return nullptr;
    return retain(*s->delivering);
}

ss_status route_assigned(KafkaSource &src, const ss_topic_partition *parts, size_t count, size_t stride,
                         int32_t stream, ss_error *err) {
    if (!src.assigning || src.assigning_thread != std::this_thread::get_id())
        return set_error(err, SS_ERR_CONFIG, "kafka: route_assigned is only valid inside on_rebalance(ASSIGN)");
    if (stream < 0)
        return set_error(err, SS_ERR_CONFIG, "kafka: route_assigned: no stream " + std::to_string(stream));
    std::string why;
    if (!src.streams.get(stream, why)) // its handle, opened now unless its thread polled already
        return set_error(err, SS_ERR_BROKER, "kafka: route_assigned: stream " + std::to_string(stream) + ": " + why);
    for (size_t i = 0; i < count; ++i) {
        const ss_topic_partition &p = *ss_const_at(ss_topic_partition, parts, stride, i);
        if (!p.topic)
            return set_error(err, SS_ERR_CONFIG, "kafka: route_assigned: a partition without a topic");
        src.streams.route(p.topic, p.partition, stream);
    }
    return SS_OK;
}

// Inside ASSIGN on the polling thread, pauses wait for the assignment; a stream's thread pausing
// its own partitions meanwhile is not inside the callback.
bool inside_assign(const KafkaSource &src) { return src.assigning && src.assigning_thread == std::this_thread::get_id(); }

// Deferred inside ASSIGN; from another thread, after the assignment in progress (assign_mu).
ss_status pause_or_resume(KafkaSource &src, const ss_topic_partition *parts, size_t count, size_t stride, bool pause,
                          ss_error *err) {
    if (inside_assign(src))
        return defer_pause(src, parts, count, stride, pause);
    std::lock_guard after_assign(src.assign_mu);
    return partition_list_call(src, parts, count, stride, pause ? "pause" : "resume",
                               pause ? rd_kafka_pause_partitions : rd_kafka_resume_partitions, err);
}

ss_status pause(KafkaSource &src, const ss_topic_partition *parts, size_t count, size_t stride, ss_error *err) {
    return pause_or_resume(src, parts, count, stride, true, err);
}

ss_status resume(KafkaSource &src, const ss_topic_partition *parts, size_t count, size_t stride, ss_error *err) {
    return pause_or_resume(src, parts, count, stride, false, err);
}

} // namespace streamsubmit::kafka
