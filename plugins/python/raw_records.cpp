#include "raw_records.h"

#include <algorithm>
#include <cstring>

namespace streamsubmit::python {

RawRecords::RawRecords(const char *topic, int32_t partition, const ss_record *records, size_t count, size_t stride)
    : topic_(topic ? topic : ""), partition_(partition) {
    // One allocation each: a copy never moves bytes already copied.
    size_t bytes = 0;
    for (size_t i = 0; i < count; ++i) bytes += bytes_of(*ss_const_at(ss_record, records, stride, i));
    entries_.reserve(count);
    bytes_.reserve(bytes);
}

size_t RawRecords::bytes_of(const ss_record &r) {
    size_t n = (r.key ? r.key_len : 0) + (r.value ? r.value_len : 0);
    if (r.header_count) n += sizeof(uint32_t);
    for (size_t h = 0; h < r.header_count; ++h) {
        const ss_header *header = ss_header_at(&r, h);
        n += 2 * sizeof(uint32_t) + std::strlen(header->name) + 1 + (header->value ? header->value_len : 0);
    }
    return n;
}

bool RawRecords::fits(const ss_record &r) const {
    if (entries_.empty()) return true; // a Kafka record is less than 2 GiB
    constexpr int64_t kMax32 = UINT32_MAX - 1; // kNull is not a length
    if (bytes_.size() + bytes_of(r) > static_cast<size_t>(kMax32)) return false;
    const int64_t offset = r.offset - first_offset_;
    if (offset < 0 || offset > kMax32) return false;
    if (r.timestamp_ms == -1 || !has_first_timestamp_) return true;
    const int64_t timestamp = r.timestamp_ms - first_timestamp_;
    return timestamp >= INT32_MIN && timestamp <= INT32_MAX;
}

void RawRecords::put(const void *data, size_t len) {
    const char *from = static_cast<const char *>(data);
    bytes_.insert(bytes_.end(), from, from + len);
}

void RawRecords::append(const ss_record &r) {
    if (entries_.empty()) first_offset_ = r.offset;
    if (!has_first_timestamp_ && r.timestamp_ms != -1) {
        first_timestamp_ = r.timestamp_ms;
        has_first_timestamp_ = true;
    }
    Entry e{};
    e.offset = static_cast<uint32_t>(r.offset - first_offset_);
    e.flags = static_cast<uint32_t>(r.timestamp_type) & kTypeMask;
    if (r.timestamp_ms == -1) e.flags |= kNoTimestamp;
    else e.timestamp = static_cast<int32_t>(r.timestamp_ms - first_timestamp_);
    e.at = static_cast<uint32_t>(bytes_.size());
    e.key_len = r.key ? static_cast<uint32_t>(r.key_len) : kNull;
    e.value_len = r.value ? static_cast<uint32_t>(r.value_len) : kNull;
    if (r.key) put(r.key, r.key_len);
    if (r.value) put(r.value, r.value_len);
    if (r.header_count) {
        e.flags |= kHasHeaders;
        put_length(static_cast<uint32_t>(r.header_count));
        for (size_t i = 0; i < r.header_count; ++i) {
            const ss_header *h = ss_header_at(&r, i);
            const size_t name_len = std::strlen(h->name);
            put_length(static_cast<uint32_t>(name_len));
            put(h->name, name_len + 1);
            put_length(h->value ? static_cast<uint32_t>(h->value_len) : kNull);
            if (h->value) put(h->value, h->value_len);
        }
    }
    entries_.push_back(e);
}

size_t RawRecords::index_of(int64_t offset) const {
    if (entries_.empty() || offset < first_offset_ || offset - first_offset_ > UINT32_MAX) return size();
    const auto relative = static_cast<uint32_t>(offset - first_offset_);
    // A partition's offsets only grow.
    const auto it = std::lower_bound(entries_.begin(), entries_.end(), relative,
                                     [](const Entry &e, uint32_t o) { return e.offset < o; });
    return it != entries_.end() && it->offset == relative ? static_cast<size_t>(it - entries_.begin()) : size();
}

uint32_t RawRecords::length_at(size_t &at) const {
    uint32_t len;
    std::memcpy(&len, bytes_.data() + at, sizeof len);
    at += sizeof len;
    return len;
}

ss_record RawRecords::at(size_t i, std::vector<ss_header> &headers) const {
    const Entry &e = entries_[i];
    ss_record r{};
    r.struct_size = sizeof r;
    r.topic = topic_.c_str();
    r.partition = partition_;
    r.offset = first_offset_ + e.offset;
    r.timestamp_ms = (e.flags & kNoTimestamp) ? -1 : first_timestamp_ + e.timestamp;
    r.timestamp_type = static_cast<int32_t>(e.flags & kTypeMask);
    size_t at = e.at;
    if (e.key_len != kNull) {
        r.key = bytes_.data() + at;
        r.key_len = e.key_len;
        at += e.key_len;
    }
    if (e.value_len != kNull) {
        r.value = bytes_.data() + at;
        r.value_len = e.value_len;
        at += e.value_len;
    }
    headers.clear();
    if (e.flags & kHasHeaders) {
        const uint32_t count = length_at(at);
        for (uint32_t h = 0; h < count; ++h) {
            const uint32_t name_len = length_at(at);
            const char *name = bytes_.data() + at;
            at += name_len + 1;
            const uint32_t value_len = length_at(at);
            const void *value = value_len == kNull ? nullptr : bytes_.data() + at;
            if (value) at += value_len;
            headers.push_back({name, value, value ? value_len : 0});
        }
    }
    r.headers = headers.empty() ? nullptr : headers.data();
    r.header_count = headers.size();
    r.header_stride = sizeof(ss_header);
    return r;
}

} // namespace streamsubmit::python
