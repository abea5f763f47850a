#include "metadata.h"

#include "errors.h"
#include "tp_list.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace streamsubmit::kafka {

namespace {

using Clock = std::chrono::steady_clock;

struct MetadataHolder {
    const rd_kafka_metadata_t *md = nullptr;
    ~MetadataHolder() {
        if (md)
            rd_kafka_metadata_destroy(md);
    }
};

std::string unreachable_message(const KafkaSource &src, int timeout_ms, rd_kafka_resp_err_t e) {
    return "no broker at " + src.bootstrap_servers() + " answered within " + std::to_string(timeout_ms) + " ms (" +
           rd_kafka_err2str(e) + ")";
}

ss_status partition_error(ss_error *err, const char *what, const char *topic, int32_t partition,
                          rd_kafka_resp_err_t e) {
    ss_status st = is_unknown_topic(e) ? SS_ERR_UNKNOWN_TOPIC : SS_ERR_BROKER;
    return set_error(err, st,
                     std::string("kafka: ") + what + " for " + topic_partition_name(topic, partition) +
                         " failed: " + rd_kafka_err2str(e));
}

// One unique (topic, partition) per entry; `timestamp` is what ListOffsets is asked for.
struct OffsetQuery {
    const char *topic;
    int32_t partition;
    int64_t timestamp;
    int64_t result = -1;
};

enum class ListOutcome { Ok, Failed, Unsupported };

// What list_offsets found: `status` and err's message tell why when it Failed (ss_error holds
// no status, and the caller's may hold no message either).
struct ListResult {
    ListOutcome outcome;
    ss_status status = SS_OK;
};

// A handle that has not yet heard from any broker first waits, without sending requests of
// its own, until librdkafka's connection-time metadata names the controller, or a refused
// login or certificate is noticed on librdkafka's threads, or half the timeout has passed:
// so a refusal ends the call at once. (Short request timeouts cannot do this: librdkafka
// drops the connection when an in-flight request times out.)
void wait_for_cluster(KafkaSource &src, Clock::time_point deadline) {
    const auto until = Clock::now() + (deadline - Clock::now()) / 2;
    while (rd_kafka_controllerid(src.rk(), 0) < 0 && !src.has_security_failure() && Clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

// rd_kafka_metadata for all topics within timeout_ms.
rd_kafka_resp_err_t metadata_until(KafkaSource &src, const rd_kafka_metadata_t **md, int timeout_ms) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    wait_for_cluster(src, deadline);
    if (src.has_security_failure())
        return RD_KAFKA_RESP_ERR__AUTHENTICATION;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return rd_kafka_metadata(src.rk(), 1, nullptr, md, static_cast<int>(std::max<long long>(left, 1)));
}

// rd_kafka_offsets_for_times (one ListOffsets request per leader) for all queries, retrying
// partitions whose leader is moving or whose broker is restarting until the deadline.
ListResult list_offsets(KafkaSource &src, std::vector<OffsetQuery> &queries, int timeout_ms, const char *what,
                        ss_error *err, rd_kafka_resp_err_t *unsupported_err) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    std::vector<size_t> pending(queries.size());
    for (size_t i = 0; i < pending.size(); ++i)
        pending[i] = i;
    rd_kafka_resp_err_t last = RD_KAFKA_RESP_ERR_NO_ERROR;
    while (!pending.empty()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0 || src.has_security_failure())
            break;
        TpList list(static_cast<int>(pending.size()));
        for (size_t i : pending)
            list.add(queries[i].topic, queries[i].partition, queries[i].timestamp);
        rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(src.rk(), list.get(), static_cast<int>(left));
        std::vector<size_t> retry;
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
            for (int j = 0; j < list.size(); ++j) {
                size_t qi = pending[static_cast<size_t>(j)];
                const rd_kafka_topic_partition_t &p = list[j];
                if (!p.err) {
                    queries[qi].result = p.offset;
                } else if (is_retriable_partition_error(p.err)) {
                    last = p.err;
                    retry.push_back(qi);
                } else {
                    return {ListOutcome::Failed,
                            partition_error(err, what, queries[qi].topic, queries[qi].partition, p.err)};
                }
            }
        } else if (is_transport_error(e) || is_retriable_partition_error(e)) {
            last = e;
            retry = pending;
        } else {
            // A partition the cluster does not know is reported as such; anything else may be
            // a broker that lacks the API, which the caller can work around.
            for (int j = 0; j < list.size(); ++j)
                if (list[j].err && !is_retriable_partition_error(list[j].err))
                    return {ListOutcome::Failed,
                            partition_error(err, what, list[j].topic, list[j].partition, list[j].err)};
            if (is_unknown_topic(e))
                return {ListOutcome::Failed, set_error(err, SS_ERR_UNKNOWN_TOPIC, std::string("kafka: ") + what +
                                                                                     ": " + rd_kafka_err2str(e))};
            *unsupported_err = e;
            return {ListOutcome::Unsupported};
        }
        pending.swap(retry);
        if (!pending.empty()) {
            src.log(SS_LOG_DEBUG, std::string("kafka: ") + what + ": retrying " + std::to_string(pending.size()) +
                                      " partitions: " + rd_kafka_err2str(last));
            std::this_thread::sleep_until(std::min(deadline, Clock::now() + std::chrono::milliseconds(100)));
        }
    }
    if (pending.empty())
        return {ListOutcome::Ok};
    const OffsetQuery &q = queries[pending.front()];
    std::string msg = std::string("kafka: ") + what + " for " + std::to_string(pending.size()) +
                      " partitions (first " + topic_partition_name(q.topic, q.partition) +
                      ") did not complete within " + std::to_string(timeout_ms) + " ms";
    if (last)
        msg += std::string(": ") + rd_kafka_err2str(last);
    msg += " (brokers at " + src.bootstrap_servers() + ")";
    return {ListOutcome::Failed,
            set_error(err, last == RD_KAFKA_RESP_ERR__TIMED_OUT || !last ? SS_ERR_TIMEOUT : SS_ERR_UNREACHABLE, msg)};
}

// Maps caller entries (an array of Entry with the caller's stride) onto unique (topic,
// partition) queries.
template <class Entry>
std::vector<OffsetQuery> unique_queries(const Entry *parts, size_t count, size_t stride, int64_t timestamp_or_neg,
                                        std::vector<size_t> &slot, bool use_entry_offset) {
    std::map<std::pair<std::string_view, int32_t>, size_t> seen;
    std::vector<OffsetQuery> out;
    slot.resize(count);
    for (size_t i = 0; i < count; ++i) {
        const Entry &part = *ss_const_at(Entry, parts, stride, i);
        auto [it, fresh] = seen.try_emplace({part.topic, part.partition}, out.size());
        if (fresh) {
            int64_t ts = timestamp_or_neg;
            if constexpr (requires { part.offset; })
                if (use_entry_offset)
                    ts = part.offset;
            out.push_back({part.topic, part.partition, ts});
        }
        slot[i] = it->second;
    }
    return out;
}

} // namespace

ss_status list_partitions(KafkaSource &src, const char *const *topics, size_t topic_count, const char *pattern,
                          int timeout_ms, ss_partition_fn fn, void *ctx, ss_error *err) {
    std::regex re;
    if (!topics) {
        if (!pattern)
            return set_error(err, SS_ERR_CONFIG, "kafka: list_partitions needs topics or a pattern");
        try {
            re = std::regex(pattern, std::regex::ECMAScript);
        } catch (const std::regex_error &e) {
            return set_error(err, SS_ERR_CONFIG, std::string("kafka: invalid topic pattern '") + pattern +
                                                     "': " + e.what());
        }
    }
    MetadataHolder h;
    rd_kafka_resp_err_t e = metadata_until(src, &h.md, timeout_ms);
    if (e) {
        if (src.has_security_failure())
            return src.security_failure(err);
        // rd_kafka_metadata sends its request only to a broker that has taken the connection and
        // answered its ApiVersions, so a timeout is a broker that is there but slow, which the
        // runtime waits out; no broker up within the timeout is an address nothing answers at.
        if (e == RD_KAFKA_RESP_ERR__TIMED_OUT)
            return set_error(err, SS_ERR_TIMEOUT,
                             "kafka: a broker at " + src.bootstrap_servers() +
                                 " took the connection but did not answer a metadata request within " +
                                 std::to_string(timeout_ms) + " ms");
        if (is_transport_error(e))
            return set_error(err, SS_ERR_UNREACHABLE, unreachable_message(src, timeout_ms, e));
        return set_error(err, broker_status(e), std::string("kafka: metadata request to ") + src.bootstrap_servers() +
                                                 " failed: " + rd_kafka_err2str(e));
    }
    std::map<std::string_view, const rd_kafka_metadata_topic_t *> by_name;
    for (int i = 0; i < h.md->topic_cnt; ++i)
        by_name.emplace(h.md->topics[i].topic, &h.md->topics[i]);

    std::vector<const rd_kafka_metadata_topic_t *> chosen;
    if (topics) {
        std::set<std::string_view> wanted;
        for (size_t i = 0; i < topic_count; ++i) {
            if (!topics[i] || !wanted.insert(topics[i]).second)
                continue;
            auto it = by_name.find(topics[i]);
            if (it == by_name.end() || is_unknown_topic(it->second->err))
                return set_error(err, SS_ERR_UNKNOWN_TOPIC, std::string("kafka: topic '") + topics[i] +
                                                                "' does not exist on " + src.bootstrap_servers());
            const rd_kafka_metadata_topic_t *t = it->second;
            if (t->partition_cnt == 0) // being created, or its leaders are not known yet
                return set_error(err, SS_ERR_BROKER_TRANSIENT,
                                 std::string("kafka: topic '") + topics[i] + "' has no partitions" +
                                     (t->err ? std::string(": ") + rd_kafka_err2str(t->err) : std::string()));
            chosen.push_back(t);
        }
    } else {
        for (const auto &[name, t] : by_name) {
            if (name.starts_with("__") || t->partition_cnt == 0)
                continue;
            if (std::regex_match(name.begin(), name.end(), re))
                chosen.push_back(t);
        }
    }
    // by_name and wanted are ordered, but the explicit list keeps the caller's order: sort.
    std::sort(chosen.begin(), chosen.end(), [](auto *a, auto *b) { return std::string_view(a->topic) < b->topic; });
    std::vector<int32_t> ids;
    for (const rd_kafka_metadata_topic_t *t : chosen) {
        ids.clear();
        for (int p = 0; p < t->partition_cnt; ++p)
            ids.push_back(t->partitions[p].id);
        std::sort(ids.begin(), ids.end());
        for (int32_t id : ids)
            fn(ctx, t->topic, id);
    }
    return SS_OK;
}

ss_status query_watermarks(KafkaSource &src, ss_watermarks *parts, size_t count, size_t stride, int timeout_ms,
                           ss_error *err) {
    if (count == 0)
        return SS_OK;
    std::vector<size_t> slot;
    std::vector<OffsetQuery> earliest =
        unique_queries(parts, count, stride, RD_KAFKA_OFFSET_BEGINNING, slot, false);
    std::vector<OffsetQuery> latest = earliest;
    for (auto &q : latest)
        q.timestamp = RD_KAFKA_OFFSET_END; // ListOffsets honours isolation.level: LSO under read_committed

    const auto start = Clock::now();
    rd_kafka_resp_err_t unsupported = RD_KAFKA_RESP_ERR_NO_ERROR;
    ListResult out = list_offsets(src, earliest, timeout_ms, "ListOffsets(earliest)", err, &unsupported);
    if (out.outcome == ListOutcome::Ok) {
        int left = timeout_ms - static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                     Clock::now() - start).count());
        out = list_offsets(src, latest, std::max(left, 1), "ListOffsets(latest)", err, &unsupported);
    }
    if (out.outcome == ListOutcome::Failed)
        return out.status;
    if (out.outcome == ListOutcome::Unsupported) {
        src.log(SS_LOG_WARN, std::string("kafka: batched ListOffsets failed (") + rd_kafka_err2str(unsupported) +
                                 "); querying watermarks one partition at a time");
        for (size_t i = 0; i < earliest.size(); ++i) {
            int64_t lo = -1, hi = -1;
            rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(src.rk(), earliest[i].topic,
                                                                     earliest[i].partition, &lo, &hi, timeout_ms);
            if (e) {
                if (is_transport_error(e))
                    return set_error(err, SS_ERR_TIMEOUT,
                                     "kafka: watermarks of " +
                                         topic_partition_name(earliest[i].topic, earliest[i].partition) +
                                         ": " + unreachable_message(src, timeout_ms, e));
                return partition_error(err, "watermark query", earliest[i].topic, earliest[i].partition, e);
            }
            earliest[i].result = lo;
            latest[i].result = hi;
        }
    }
    for (size_t i = 0; i < count; ++i) {
        ss_watermarks &part = *ss_at(ss_watermarks, parts, stride, i);
        part.earliest = earliest[slot[i]].result;
        part.latest = latest[slot[i]].result;
    }
    return SS_OK;
}

ss_status offsets_for_times(KafkaSource &src, ss_topic_partition *parts, size_t count, size_t stride,
                            int timeout_ms, ss_error *err) {
    if (count == 0)
        return SS_OK;
    std::vector<size_t> slot;
    std::vector<OffsetQuery> q = unique_queries(parts, count, stride, 0, slot, true);
    rd_kafka_resp_err_t unsupported = RD_KAFKA_RESP_ERR_NO_ERROR;
    ListResult out = list_offsets(src, q, timeout_ms, "ListOffsets(timestamp)", err, &unsupported);
    if (out.outcome == ListOutcome::Failed)
        return out.status;
    if (out.outcome == ListOutcome::Unsupported)
        return set_error(err, SS_ERR_BROKER, std::string("kafka: offsets for times failed: ") +
                                                 rd_kafka_err2str(unsupported));
    for (size_t i = 0; i < count; ++i)
        ss_at(ss_topic_partition, parts, stride, i)->offset = q[slot[i]].result < 0 ? -1 : q[slot[i]].result;
    return SS_OK;
}

} // namespace streamsubmit::kafka
