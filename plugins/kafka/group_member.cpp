#include "group_member.h"

#include "errors.h"
#include "group_consumer.h"
#include "tp_list.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>

namespace streamsubmit::kafka {

ss_status serve_member(KafkaSource &src, int timeout_ms, ss_error *err) {
    src.begin_blocking_call();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0));
    for (;;) {
        if (src.take_interrupt())
            return set_error(err, SS_ERR_INTERRUPTED, "kafka: serve interrupted");
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        // Rebalance callbacks run in here. Assignments are paused, so a message is rare (one
        // fetched before the pause took effect) and is dropped: the readers read the ranges.
        rd_kafka_message_t *m = rd_kafka_consumer_poll(src.rk(), static_cast<int>(std::max<int64_t>(left.count(), 0)));
        if (m) {
            const rd_kafka_resp_err_t e = m->err;
            std::string reason = e ? rd_kafka_message_errstr(m) : "";
            rd_kafka_message_destroy(m);
            if (e == RD_KAFKA_RESP_ERR__FATAL) {
                char fatal[512];
                rd_kafka_resp_err_t fe = rd_kafka_fatal_error(src.rk(), fatal, sizeof fatal);
                return set_error(err, SS_ERR_FENCED,
                                 std::string("kafka: group member fatal error: ") + rd_kafka_err2name(fe) + ": " + fatal);
            }
            if (e && e != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                src.log(SS_LOG_WARN, std::string("kafka: group member: ") + rd_kafka_err2name(e) + ": " + reason);
        }
        if (std::chrono::steady_clock::now() >= deadline)
            return SS_OK;
    }
}

ss_status committed_offsets(KafkaSource &src, ss_topic_partition *parts, size_t count, size_t stride,
                            int timeout_ms, ss_error *err) {
    if (!src.has_user_group())
        return set_error(err, SS_ERR_CONFIG, "kafka.group.id: committed offsets need a consumer group; set "
                                             "kafka.group.id");
    if (count == 0)
        return SS_OK;
    TpList list(static_cast<int>(count));
    for (size_t i = 0; i < count; ++i) {
        const ss_topic_partition &p = *ss_const_at(ss_topic_partition, parts, stride, i);
        list.add(p.topic, p.partition, RD_KAFKA_OFFSET_INVALID);
    }
    rd_kafka_resp_err_t e = rd_kafka_committed(src.rk(), list.get(), timeout_ms);
    if (e) {
        const ss_status st = is_transport_error(e) ? SS_ERR_UNREACHABLE : SS_ERR_BROKER;
        return set_error(err, st, std::string("kafka: reading the group's committed offsets failed (brokers at ") +
                                      src.bootstrap_servers() + "): " + rd_kafka_err2str(e));
    }
    // rd_kafka_committed keeps the order it was given.
    for (size_t i = 0; i < count; ++i) {
        const rd_kafka_topic_partition_t &p = list[static_cast<int>(i)];
        if (p.err)
            return set_error(err, SS_ERR_BROKER, "kafka: committed offset of " +
                                                     topic_partition_name(p.topic, p.partition) +
                                                     ": " + rd_kafka_err2str(p.err));
        ss_at(ss_topic_partition, parts, stride, i)->offset = p.offset >= 0 ? p.offset : -1;
    }
    return SS_OK;
}

ss_status group_metadata(KafkaSource &src, void *buf, size_t capacity, size_t *size, ss_error *err) {
    if (src.mode() != KafkaSource::Mode::Member || !src.subscribed)
        return set_error(err, SS_ERR_CONFIG, "kafka: group metadata exists only on a source that joined a group");
    if (!size)
        return set_error(err, SS_ERR_INTERNAL, "kafka: group_metadata without a size pointer");
    std::unique_ptr<rd_kafka_consumer_group_metadata_t, void (*)(rd_kafka_consumer_group_metadata_t *)> md(
        rd_kafka_consumer_group_metadata(src.rk()), rd_kafka_consumer_group_metadata_destroy);
    if (!md)
        return set_error(err, SS_ERR_INTERNAL, "kafka: the consumer has no group metadata");
    void *data = nullptr;
    size_t n = 0;
    if (rd_kafka_error_t *e = rd_kafka_consumer_group_metadata_write(md.get(), &data, &n)) {
        std::string what = rd_kafka_error_string(e);
        rd_kafka_error_destroy(e);
        return set_error(err, SS_ERR_INTERNAL, "kafka: cannot serialize the group metadata: " + what);
    }
    if (buf)
        std::memcpy(buf, data, std::min(n, capacity));
    *size = n;
    rd_kafka_mem_free(src.rk(), data);
    return SS_OK;
}

} // namespace streamsubmit::kafka
