// The records of one process call kept as bytes until foreach_batch reads them (the plain
// decoders, utf8 and bytes, need nothing of Python to check a record): copied on the reader
// thread without the GIL, a Record made only when the job reads it. A batch of half a million
// records then holds ~160 bytes each instead of ~290 in Python objects, and the reader
// threads never wait for the GIL.
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

    void append(const ss_record &r); // copies what r points to
    size_t size() const { return entries_.size(); }
    const std::string &topic() const { return topic_; }
    int32_t partition() const { return partition_; }

    // Record i as the ABI gives it, pointing into this object; its headers in `headers`.
    ss_record at(size_t i, std::vector<ss_header> &headers) const;

private:
    static constexpr uint32_t kNull = UINT32_MAX; // the length of Kafka's null
    struct Bytes {
        uint64_t at = 0;
        uint32_t len = kNull;
    };
    struct Entry {
        int64_t offset, timestamp_ms;
        Bytes key, value;
        uint32_t first_header, header_count;
        int32_t timestamp_type;
    };
    struct Header {
        Bytes name, value; // name NUL-terminated in bytes_
    };
    Bytes copy(const void *data, size_t len, bool terminate = false);
    const void *pointer(Bytes b) const { return b.len == kNull ? nullptr : bytes_.data() + b.at; }

    std::string topic_;
    int32_t partition_;
    std::vector<Entry> entries_;
    std::vector<Header> headers_;
    std::vector<char> bytes_;
};

// Whether `len` bytes are well-formed UTF-8 (the Unicode standard's table 3-7: no overlong
// forms, no surrogates, nothing above U+10FFFF), as Python's strict utf-8 codec takes them.
bool is_utf8(const void *data, size_t len);

} // namespace streamsubmit::python
