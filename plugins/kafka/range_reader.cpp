// Assigns every open range at its `from` offset and consumes the consumer queue in batches
// until the position of each partition reaches its range's `until`. When every range starts
// where the handle's last read of its partition ended (the next batch of a direct stream), the
// assignment is kept instead, and the read starts with what the last one consumed beyond its
// ranges (read_ahead.h).
//
// Completion never counts records: compaction and transaction markers leave offset gaps.
// A range is complete when
//   - a record at until-1 was delivered, or
//   - a record at or beyond until arrives (it is kept for the next read), or
//   - a PARTITION_EOF event reports a position at or beyond until.
// Each range also keeps the next offset it expects; anything below it (a record fetched for
// an earlier assignment of the same partition) is dropped, so no offset is delivered twice.
#include "range_reader.h"

#include "errors.h"
#include "read_ahead.h"
#include "record.h"
#include "tp_list.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace streamsubmit::kafka {

namespace {

constexpr int kPollMs = 100;
constexpr size_t kBatch = 4096;
constexpr int kWarmUpTimeoutMs = 1000; // bounded: interrupt() cannot cut a metadata request short

struct RangeState {
    int64_t next;  // first offset not yet delivered
    int64_t until; // exclusive end
    bool done;
};

struct PtrKey {
    const void *rkt;
    int32_t partition;
    bool operator==(const PtrKey &) const = default;
};
struct PtrKeyHash {
    size_t operator()(const PtrKey &k) const noexcept {
        return std::hash<const void *>()(k.rkt) ^ (static_cast<size_t>(k.partition) * 0x9e3779b97f4a7c15ull);
    }
};

// Finds the range of a message: the last (rkt, partition) is cached, then a hash map of
// handle pointers, then (once per partition) the topic name.
class RangeIndex {
public:
    static constexpr size_t npos = static_cast<size_t>(-1);

    void add(const char *topic, int32_t partition, size_t index) {
        by_name_[key(topic, partition)] = index;
    }
    size_t find_name(const char *topic, int32_t partition) const {
        auto n = by_name_.find(key(topic, partition));
        return n == by_name_.end() ? npos : n->second;
    }
    size_t find(const rd_kafka_topic_t *rkt, int32_t partition) {
        if (rkt == last_rkt_ && partition == last_partition_)
            return last_index_;
        size_t idx;
        auto it = by_ptr_.find(PtrKey{rkt, partition});
        if (it != by_ptr_.end()) {
            idx = it->second;
        } else {
            idx = find_name(rd_kafka_topic_name(rkt), partition);
            by_ptr_.emplace(PtrKey{rkt, partition}, idx);
        }
        last_rkt_ = rkt;
        last_partition_ = partition;
        last_index_ = idx;
        return idx;
    }

private:
    static std::string key(const char *topic, int32_t partition) {
        std::string k(topic);
        k.push_back('\0');
        k.append(reinterpret_cast<const char *>(&partition), sizeof partition);
        return k;
    }
    std::unordered_map<std::string, size_t> by_name_;
    std::unordered_map<PtrKey, size_t, PtrKeyHash> by_ptr_;
    const rd_kafka_topic_t *last_rkt_ = nullptr;
    int32_t last_partition_ = -1;
    size_t last_index_ = npos;
};

// Null entries are messages kept for the next read.
void destroy_messages(rd_kafka_message_t **msgs, size_t from, size_t n) {
    for (size_t i = from; i < n; ++i)
        if (msgs[i])
            rd_kafka_message_destroy(msgs[i]);
}

void warm_up_metadata(rd_kafka_t *rk, const ss_offset_range *ranges, const std::vector<size_t> &round) {
    std::vector<std::string_view> topics;
    for (size_t i : round) {
        std::string_view t = ranges[i].topic;
        if (std::find(topics.begin(), topics.end(), t) == topics.end())
            topics.push_back(t);
    }
    for (std::string_view t : topics) {
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, std::string(t).c_str(), nullptr);
        if (!rkt)
            continue;
        const rd_kafka_metadata_t *md = nullptr;
        // Failures are left to the read itself, which reports them with its own errors.
        if (rd_kafka_metadata(rk, 0, rkt, &md, kWarmUpTimeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR)
            rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(rkt);
    }
}

// The partitions of the round whose ranges still wait for records.
std::vector<std::pair<std::string, int32_t>> waiting_partitions(const ss_offset_range *ranges,
                                                                const std::vector<size_t> &round,
                                                                const std::vector<RangeState> &state) {
    std::vector<std::pair<std::string, int32_t>> waiting;
    for (size_t i = 0; i < round.size(); ++i)
        if (!state[i].done)
            waiting.emplace_back(ranges[round[i]].topic, ranges[round[i]].partition);
    return waiting;
}

// Whether every range of the round starts where the handle's read of its partition ended, so
// the handle's assignment (and what it read ahead) continues into the round.
bool continues_assignment(const ReadAhead &ahead, const ss_offset_range *ranges, const std::vector<size_t> &round) {
    if (ahead.assignment().empty())
        return false;
    for (size_t i : round)
        if (ahead.next_of(ranges[i].topic, ranges[i].partition) != ranges[i].from)
            return false;
    return true;
}

// Messages kept by the previous read, handed to the loop first; those not handed are destroyed.
class KeptMessages {
public:
    explicit KeptMessages(std::vector<rd_kafka_message_t *> msgs) : msgs_(std::move(msgs)) {}
    KeptMessages(const KeptMessages &) = delete;
    KeptMessages &operator=(const KeptMessages &) = delete;
    ~KeptMessages() { destroy_messages(msgs_.data(), at_, msgs_.size()); }
    bool empty() const { return at_ == msgs_.size(); }
    // Moves up to `max` messages into `out`; returns how many.
    size_t take(rd_kafka_message_t **out, size_t max) {
        const size_t n = std::min(max, msgs_.size() - at_);
        std::copy_n(msgs_.begin() + static_cast<ptrdiff_t>(at_), n, out);
        at_ += n;
        return n;
    }

private:
    std::vector<rd_kafka_message_t *> msgs_;
    size_t at_ = 0;
};

// Reads one round: ranges in `round` name each partition at most once.
ss_status read_round(KafkaSource &src, const ss_offset_range *ranges, const std::vector<size_t> &round,
                     ss_records_fn fn, void *ctx, ss_error *err) {
    ReadAhead &ahead = src.read_ahead;
    const bool continuing = continues_assignment(ahead, ranges, round);
    std::vector<RangeState> state(round.size());
    RangeIndex index;
    for (size_t i = 0; i < round.size(); ++i) {
        const ss_offset_range &r = ranges[round[i]];
        state[i] = {r.from, r.until, false};
        index.add(r.topic, r.partition, i);
    }
    size_t open = round.size();
    // The handle's assignment after this round: the round's partitions, and when continuing
    // also the assigned partitions the round does not read, kept as ranges already complete
    // so that what arrives for them is kept for a later round.
    std::vector<ReadAhead::Position> assignment;
    for (size_t i : round)
        assignment.push_back({ranges[i].topic, ranges[i].partition, ranges[i].until});
    if (continuing)
        for (const ReadAhead::Position &p : ahead.assignment())
            if (index.find_name(p.topic.c_str(), p.partition) == RangeIndex::npos) {
                index.add(p.topic.c_str(), p.partition, state.size());
                state.push_back({p.next, p.next, true});
                assignment.push_back(p);
            }
    KeptMessages kept(continuing ? ahead.take_kept() : std::vector<rd_kafka_message_t *>{});

    rd_kafka_t *rk = src.rk();
    if (!continuing) {
        ahead.clear();
        // The first read of a handle: fetch the metadata of its topics before assigning them.
        // assign() creates each topic locally and asks for its leader at once, but a handle that
        // has not connected yet has no usable broker for that request, and librdkafka 2.0.2 then
        // retries only from its 1 s topic scan timer: the first batch of every reader stalled
        // ~1 s (seen on a real broker in about half the runs; debug trace: "Topic X metadata
        // information unknown" 985 ms after PARTITION_JOIN). A blocking metadata request per
        // topic connects the handle and fills its cache; one round trip, first batch only. Done
        // for every librdkafka version: no release names a fix for the consumer (workarounds.h).
        if (src.msg_buf.empty())
            warm_up_metadata(rk, ranges, round);
        TpList list(static_cast<int>(round.size()));
        for (size_t i : round)
            list.add(ranges[i].topic, ranges[i].partition, ranges[i].from);
        if (rd_kafka_resp_err_t e = rd_kafka_assign(rk, list.get()))
            return set_error(err, SS_ERR_BROKER, std::string("kafka: assign failed: ") + rd_kafka_err2str(e));
    }

    std::vector<rd_kafka_message_t *> &msgs = src.msg_buf;
    std::vector<ss_record> &recs = src.rec_buf;
    std::vector<ss_header> &hdrs = src.header_buf;
    msgs.resize(kBatch);
    recs.resize(kBatch);

    // Runs until every range is complete and everything kept from the previous round is either
    // delivered or kept again for the next.
    while (open > 0 || !kept.empty()) {
        if (src.take_interrupt())
            return set_error(err, SS_ERR_INTERRUPTED, "kafka: read interrupted");
        size_t n = kept.take(msgs.data(), kBatch);
        const bool from_queue = n == 0;
        if (from_queue) {
            // librdkafka's batch consume waits for a full batch or the timeout (its documented
            // contract, in every version), so block for the first message only, then take
            // whatever else is already queued.
            ssize_t got = rd_kafka_consume_batch_queue(src.queue(), kPollMs, msgs.data(), 1);
            if (got == 1) {
                ssize_t more = rd_kafka_consume_batch_queue(src.queue(), 0, msgs.data() + 1, kBatch - 1);
                got += more > 0 ? more : 0;
            }
            if (got < 0) {
                rd_kafka_resp_err_t e = rd_kafka_last_error();
                return set_error(err, SS_ERR_BROKER_TRANSIENT,
                                 std::string("kafka: consume failed: ") + rd_kafka_err2str(e));
            }
            n = static_cast<size_t>(got);
            if (n == 0 && src.fetch_wake.needed())
                src.fetch_wake.after_idle_poll(rk, waiting_partitions(ranges, round, state));
        }
        size_t nrec = 0;
        hdrs.clear();
        for (size_t i = 0; i < n; ++i) {
            rd_kafka_message_t *m = msgs[i];
            if (from_queue)
                src.fetch_wake.note(m);
            if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) [[likely]] {
                size_t ri = index.find(m->rkt, m->partition);
                if (ri == RangeIndex::npos) [[unlikely]]
                    continue; // a partition of an earlier assignment
                RangeState &rs = state[ri];
                if (m->offset < rs.next)
                    continue;
                if (rs.done || m->offset >= rs.until) {
                    if (!rs.done) {
                        rs.done = true;
                        --open;
                    }
                    ahead.keep(m); // the start of a later range of this partition
                    msgs[i] = nullptr;
                    continue;
                }
                const size_t caller_index = round[ri];
                fill_record(recs[nrec++], m, ranges[caller_index].topic, caller_index, hdrs);
                rs.next = m->offset + 1;
                if (rs.next >= rs.until) {
                    rs.done = true;
                    --open;
                }
                continue;
            }
            // Events and errors.
            const rd_kafka_resp_err_t e = m->err;
            size_t ri = m->rkt ? index.find(m->rkt, m->partition) : RangeIndex::npos;
            if (e == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                if (ri != RangeIndex::npos && !state[ri].done && m->offset >= state[ri].until) {
                    state[ri].done = true;
                    --open;
                }
                // librdkafka says "end of partition" once each time it reaches the end: a later
                // range that holds only transaction markers completes on this one. One at the
                // range's end cannot complete a later range, which starts there.
                if (ri != RangeIndex::npos && state[ri].done && m->offset > state[ri].until) {
                    ahead.keep(m);
                    msgs[i] = nullptr;
                }
                continue;
            }
            if (ri != RangeIndex::npos && state[ri].done) {
                // Not this read's concern, but the partition may have stopped fetching (an
                // offset out of range does that): the next read assigns afresh and sees it.
                ahead.drop();
                continue;
            }
            std::string where = m->rkt ? topic_partition_name(rd_kafka_topic_name(m->rkt), m->partition) + ": "
                                       : std::string();
            if (e == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET || e == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
                int64_t wanted = ri != RangeIndex::npos ? state[ri].next : m->offset;
                set_error(err, SS_ERR_OFFSET_OUT_OF_RANGE,
                          "kafka: " + where + "offset " + std::to_string(wanted) +
                              " is no longer (or not yet) in the log: " + rd_kafka_message_errstr(m));
                destroy_messages(msgs.data(), 0, n);
                return SS_ERR_OFFSET_OUT_OF_RANGE;
            }
            if (e == RD_KAFKA_RESP_ERR__FATAL) {
                char reason[512];
                rd_kafka_resp_err_t fe = rd_kafka_fatal_error(rk, reason, sizeof reason);
                set_error(err, SS_ERR_BROKER,
                          std::string("kafka: fatal error: ") + rd_kafka_err2name(fe) + ": " + reason);
                destroy_messages(msgs.data(), 0, n);
                return SS_ERR_BROKER;
            }
            if (ri != RangeIndex::npos &&
                (e == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC || e == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
                 e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || e == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)) {
                ss_status st = e == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ? SS_ERR_BROKER : SS_ERR_UNKNOWN_TOPIC;
                set_error(err, st, "kafka: " + where + rd_kafka_message_errstr(m));
                destroy_messages(msgs.data(), 0, n);
                return st;
            }
            // Transport errors, brokers down, leaders moving: librdkafka retries; keep waiting.
            src.log(SS_LOG_WARN, "kafka: " + where + rd_kafka_err2name(e) + ": " + rd_kafka_message_errstr(m));
        }
        int stop = 0;
        attach_headers(recs.data(), nrec, hdrs);
        if (nrec > 0)
            stop = fn(ctx, recs.data(), nrec, sizeof(ss_record));
        if (open > 0 && !stop && from_queue)
            src.fetch_wake.after_consume(rk, src.queue(), n);
        destroy_messages(msgs.data(), 0, n);
        if (stop)
            return set_error(err, SS_ERR_INTERRUPTED, "kafka: read stopped by the record callback");
        if (rd_kafka_fatal_error(rk, nullptr, 0)) {
            char reason[512];
            rd_kafka_resp_err_t fe = rd_kafka_fatal_error(rk, reason, sizeof reason);
            return set_error(err, SS_ERR_BROKER, std::string("kafka: fatal error: ") + rd_kafka_err2name(fe) + ": " +
                                                     reason);
        }
    }
    ahead.assigned(std::move(assignment));
    return SS_OK;
}

} // namespace

ss_status read_ranges(KafkaSource &src, const ss_offset_range *host_ranges, size_t count, size_t stride,
                      ss_records_fn fn, void *ctx, ss_error *err) {
    src.begin_blocking_call();
    // One copy at this build's stride, so the rounds below index it plainly; the topic
    // pointers stay the host's, which records hand back.
    std::vector<ss_offset_range> ranges(count);
    for (size_t i = 0; i < count; ++i)
        ranges[i] = *ss_const_at(ss_offset_range, host_ranges, stride, i);
    // Split into rounds so that no round assigns a partition twice (normally one round).
    std::vector<std::vector<size_t>> rounds;
    std::unordered_map<std::string, size_t> seen;
    for (size_t i = 0; i < count; ++i) {
        const ss_offset_range &r = ranges[i];
        if (!r.topic)
            return set_error(err, SS_ERR_INTERNAL, "kafka: read_ranges: range without topic");
        if (r.from >= r.until)
            continue;
        if (r.from < 0)
            return set_error(err, SS_ERR_INTERNAL,
                             "kafka: read_ranges: " + topic_partition_name(r.topic, r.partition) +
                                 " starts at a logical offset " + std::to_string(r.from));
        size_t k = seen[std::string(r.topic) + '\0' + std::to_string(r.partition)]++;
        if (k >= rounds.size())
            rounds.emplace_back();
        rounds[k].push_back(i);
    }
    for (const auto &round : rounds)
        if (ss_status st = read_round(src, ranges.data(), round, fn, ctx, err); st != SS_OK) {
            src.read_ahead.clear(); // what the failed read consumed is unknown to the next
            return st;
        }
    return SS_OK;
}

} // namespace streamsubmit::kafka
