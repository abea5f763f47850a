// A consumed librdkafka message as the ABI's ss_record, without copying key, value or headers.
#pragma once

#include <streamsubmit/plugin.h>

#include <librdkafka/rdkafka.h>

#include <vector>

namespace streamsubmit::kafka {

// Fills `r` from `m`; its headers are appended to `headers` and attached to the record by
// attach_headers once the group is complete (the vector may move while it grows).
inline void fill_record(ss_record &r, const rd_kafka_message_t *m, const char *topic, size_t range_index,
                        std::vector<ss_header> &headers) {
    rd_kafka_timestamp_type_t ts_type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    r.struct_size = sizeof(ss_record);
    r.topic = topic;
    r.partition = m->partition;
    r.offset = m->offset;
    r.timestamp_ms = rd_kafka_message_timestamp(m, &ts_type);
    r.key = m->key;
    r.key_len = m->key_len;
    // librdkafka reads a null key or value as NULL and an empty one as "": the ABI's rule as it is.
    r.value = m->payload;
    r.value_len = m->len;
    r.range_index = range_index;
    r.timestamp_type = ts_type == RD_KAFKA_TIMESTAMP_CREATE_TIME       ? SS_TIMESTAMP_CREATE_TIME
                       : ts_type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? SS_TIMESTAMP_LOG_APPEND_TIME
                                                                       : SS_TIMESTAMP_NOT_AVAILABLE;
    r.headers = nullptr;
    r.header_count = 0;
    r.header_stride = sizeof(ss_header);
    rd_kafka_headers_t *hdrs = nullptr;
    // The const_cast is librdkafka's: it parses the headers lazily into the message.
    if (rd_kafka_message_headers(const_cast<rd_kafka_message_t *>(m), &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR || !hdrs)
        return;
    const char *name = nullptr;
    const void *value = nullptr;
    size_t size = 0;
    for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
        headers.push_back({name, value, size});
        ++r.header_count;
    }
}

// Points each record of the group at its headers, appended in record order by fill_record.
// `records` is the plugin's own array (stride sizeof(ss_record)), not one from the host.
inline void attach_headers(ss_record *records, size_t count, std::vector<ss_header> &headers) {
    if (headers.empty())
        return;
    size_t at = 0;
    for (size_t i = 0; i < count; ++i) {
        if (records[i].header_count == 0)
            continue;
        records[i].headers = headers.data() + at;
        at += records[i].header_count;
    }
}

} // namespace streamsubmit::kafka
