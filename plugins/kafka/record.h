// A consumed librdkafka message as the ABI's ss_record, without copying key or value.
#pragma once

#include <streamsubmit/plugin.h>

#include <librdkafka/rdkafka.h>

namespace streamsubmit::kafka {

inline void fill_record(ss_record &r, const rd_kafka_message_t *m, const char *topic, size_t range_index) {
    r.topic = topic;
    r.partition = m->partition;
    r.offset = m->offset;
    r.timestamp_ms = rd_kafka_message_timestamp(m, nullptr);
    r.key = m->key;
    r.key_len = m->key_len;
    r.value = m->payload;
    r.value_len = m->len;
    r.range_index = range_index;
}

} // namespace streamsubmit::kafka
