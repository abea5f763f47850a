// The records of one process call kept as bytes until foreach_batch reads them (the plain
// decoders, utf8 and bytes, need nothing of Python to check a record): copied on the reader
// thread without the GIL, a Record made only when the job reads it. A batch of half a million
// 100-byte records then holds ~135 bytes per record (24 of them bookkeeping) instead of ~290
// in Python objects, and the reader threads never wait for the GIL.
#pragma once

#include <streamsubmit/plugin.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace streamsubmit::python {

class RawRecords {
public:
    // Room for the `count` records at `records` (the ABI's stride), of one topic and partition.
    RawRecords(const char *topic, int32_t partition, const ss_record *records, size_t count, size_t stride);

    // Whether `r` can be appended: offsets, timestamps and bytes are kept relative to the
    // first record, in 32 bits (a call's records far apart go into more than one RawRecords).
    bool fits(const ss_record &r) const;
    void append(const ss_record &r); // copies what r points to; only when it fits
    size_t size() const { return entries_.size(); }
    const std::string &topic() const { return topic_; }
    int32_t partition() const { return partition_; }

    // The index of the record at `offset`, or size() when there is none.
    size_t index_of(int64_t offset) const;

    // Record i as the ABI gives it, pointing into this object; its headers in `headers`.
    ss_record at(size_t i, std::vector<ss_header> &headers) const;

private:
    static constexpr uint32_t kNull = UINT32_MAX; // the length of Kafka's null
    enum Flags : uint32_t { kTypeMask = 0xff, kHasHeaders = 1u << 8, kNoTimestamp = 1u << 9 };
    // A record's bytes: key, value, then (with kHasHeaders) a uint32 count and per header its
    // name's length, name, NUL, its value's length (kNull: null), value.
    struct Entry {
        uint32_t offset;   // - first_offset_
        int32_t timestamp; // - first_timestamp_, unless kNoTimestamp (-1)
        uint32_t at, key_len, value_len;
        uint32_t flags; // the timestamp type, kHasHeaders, kNoTimestamp
    };
    static size_t bytes_of(const ss_record &r);
    void put(const void *data, size_t len);
    void put_length(uint32_t len) { put(&len, sizeof len); }
    uint32_t length_at(size_t &at) const;

    std::string topic_;
    int32_t partition_;
    int64_t first_offset_ = 0, first_timestamp_ = 0;
    bool has_first_timestamp_ = false;
    std::vector<Entry> entries_;
    std::vector<char> bytes_;
};

} // namespace streamsubmit::python
