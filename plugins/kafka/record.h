// A consumed librdkafka message as the ABI's ss_record, without copying key, value or headers.
#pragma once

#include <streamsubmit/plugin.h>

#include "workarounds.h"

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <vector>

namespace streamsubmit::kafka {

// True when a consumed record surely has no headers, told from its bytes.
//
// librdkafka parses a consumed record's headers on first access, and for a record whose
// headers section is only its count, 0, it still callocs a parse buffer and mallocs a segment
// before answering "none" (rd_kafka_msg_headers_parse). glibc's calloc bypasses the thread
// cache: with 100-byte records that was 8% of a direct reader's CPU and 11% of a receiver's
// (perf, bench/PROFILES.md), for records that have no headers at all.
//
// In a v2 record the value is followed by the header count (a varint: 0x00 for none), and
// librdkafka's consumer points `payload` into the fetched or decompressed buffer, one
// contiguous segment holding the whole record (rdkafka_msgset_reader.c reads key, value and
// headers with rd_kafka_buf_read_ptr, which needs them contiguous). The shortcut is taken
// only when the bytes just before the value are the v2 value-length varint of `len`: a
// v0/v1 message (no headers; a 4-byte big-endian length before the value) never matches
// for len >= 1, and a null or empty value is left to librdkafka. Anything else, or a
// librdkafka this was not checked against (Workarounds::header_count_shortcut), asks it.
inline bool has_no_headers(const rd_kafka_message_t *m) {
    if (!workarounds().header_count_shortcut || !m->payload || m->len == 0 || m->len > INT32_MAX)
        return false;
    const auto *value = static_cast<const unsigned char *>(m->payload);
    uint64_t zigzag = static_cast<uint64_t>(m->len) << 1;
    size_t bytes = 1;
    for (uint64_t rest = zigzag >> 7; rest != 0; rest >>= 7) ++bytes;
    const unsigned char *length = value - bytes;
    for (size_t i = 0; i < bytes; ++i, zigzag >>= 7) {
        const unsigned expected = (zigzag & 0x7Fu) | (i + 1 < bytes ? 0x80u : 0u);
        if (length[i] != expected)
            return false;
    }
    return value[m->len] == 0;
}

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
    if (has_no_headers(m))
        return;
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
