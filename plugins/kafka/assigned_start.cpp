#include "assigned_start.h"

#include "client/tp_list.h"

#include <cstring>

namespace streamsubmit::kafka {

namespace {

// The partitions of `logical` (at BEGINNING or END) get their offsets in `partitions` looked up
// together, in one ListOffsets per leader. Left to librdkafka, each partition is looked up on
// its own and becomes fetchable when its answer comes; when the first Fetch named only an empty
// partition, the broker held it for fetch.wait.max.ms and the handle's one fetch in flight kept
// the others waiting: a fresh group's first records came 100 ms late whenever a partition was
// empty (debug trace: Fetch of only the empty partition at +25 ms, its answer at +129 ms).
// On failure the partitions keep their logical offsets.
void resolve_logical_starts(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *logical,
                            rd_kafka_topic_partition_list_t *partitions, std::chrono::milliseconds timeout) {
    if (logical->cnt == 0) return;
    // ListOffsets takes the logical offset as its "timestamp": -2 the log start, -1 its end.
    if (rd_kafka_offsets_for_times(rk, logical, static_cast<int>(timeout.count())) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return; // each partition keeps its logical offset: librdkafka looks it up itself
    for (int i = 0; i < logical->cnt; ++i) {
        const rd_kafka_topic_partition_t &r = logical->elems[i];
        if (r.err || r.offset < 0) continue;
        if (rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_find(partitions, r.topic, r.partition))
            p->offset = r.offset;
    }
}

} // namespace

int64_t reset_offset(const char *name) {
    for (const char *n : {"smallest", "earliest", "beginning"})
        if (std::strcmp(name, n) == 0) return RD_KAFKA_OFFSET_BEGINNING;
    for (const char *n : {"largest", "latest", "end"})
        if (std::strcmp(name, n) == 0) return RD_KAFKA_OFFSET_END;
    return RD_KAFKA_OFFSET_INVALID;
}

int settle_assigned_start(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *partitions,
                          std::chrono::milliseconds timeout) {
    char value[32] = {};
    size_t size = sizeof value;
    if (rd_kafka_conf_get(rd_kafka_conf(rk), "auto.offset.reset", value, &size) != RD_KAFKA_CONF_OK) return 0;
    const int64_t reset = reset_offset(value);
    if (reset == RD_KAFKA_OFFSET_INVALID) return 0; // "error": librdkafka reports the missing offset

    TpList open(partitions->cnt);
    for (int i = 0; i < partitions->cnt; ++i)
        if (partitions->elems[i].offset == RD_KAFKA_OFFSET_INVALID)
            open.add(partitions->elems[i].topic, partitions->elems[i].partition, RD_KAFKA_OFFSET_INVALID);
    if (open.size() == 0) return 0;
    if (rd_kafka_committed(rk, open.get(), static_cast<int>(timeout.count())) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;

    int settled = 0;
    TpList logical(open.size()); // partitions without a committed offset: where the reset puts them
    for (int i = 0; i < open.size(); ++i) {
        const rd_kafka_topic_partition_t &c = open[i];
        if (c.err) continue; // this one as before
        rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_find(partitions, c.topic, c.partition);
        if (!p) continue;
        p->offset = c.offset >= 0 ? c.offset : reset;
        if (c.offset < 0) logical.add(c.topic, c.partition, reset);
        ++settled;
    }
    resolve_logical_starts(rk, logical.get(), partitions, timeout);
    return settled;
}

} // namespace streamsubmit::kafka
