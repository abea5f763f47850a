#include "raw_records.h"

#include <cstring>
#include <stdexcept>

namespace streamsubmit::python {

RawRecords::RawRecords(const char *topic, int32_t partition, const ss_record *records, size_t count, size_t stride)
    : topic_(topic ? topic : ""), partition_(partition) {
    // One allocation each: a copy never moves bytes already copied.
    size_t bytes = 0, headers = 0;
    for (size_t i = 0; i < count; ++i) {
        const ss_record &r = *ss_const_at(ss_record, records, stride, i);
        bytes += (r.key ? r.key_len : 0) + (r.value ? r.value_len : 0);
        headers += r.header_count;
        for (size_t h = 0; h < r.header_count; ++h) {
            const ss_header *header = ss_header_at(&r, h);
            bytes += std::strlen(header->name) + 1 + (header->value ? header->value_len : 0);
        }
    }
    entries_.reserve(count);
    headers_.reserve(headers);
    bytes_.reserve(bytes);
}

RawRecords::Bytes RawRecords::copy(const void *data, size_t len, bool terminate) {
    if (!data) return {};
    if (len >= kNull) throw std::length_error("a record's key or value of 4 GiB or more");
    Bytes out{bytes_.size(), static_cast<uint32_t>(len)};
    const char *from = static_cast<const char *>(data);
    bytes_.insert(bytes_.end(), from, from + len);
    if (terminate) bytes_.push_back('\0');
    return out;
}

void RawRecords::append(const ss_record &r) {
    Entry e{};
    e.offset = r.offset;
    e.timestamp_ms = r.timestamp_ms;
    e.timestamp_type = r.timestamp_type;
    e.key = copy(r.key, r.key_len);
    e.value = copy(r.value, r.value_len);
    e.first_header = static_cast<uint32_t>(headers_.size());
    e.header_count = static_cast<uint32_t>(r.header_count);
    for (size_t i = 0; i < r.header_count; ++i) {
        const ss_header *h = ss_header_at(&r, i);
        Header copied;
        copied.name = copy(h->name, std::strlen(h->name), true);
        copied.value = copy(h->value, h->value_len);
        headers_.push_back(copied);
    }
    entries_.push_back(e);
}

ss_record RawRecords::at(size_t i, std::vector<ss_header> &headers) const {
    const Entry &e = entries_[i];
    ss_record r{};
    r.struct_size = sizeof r;
    r.topic = topic_.c_str();
    r.partition = partition_;
    r.offset = e.offset;
    r.timestamp_ms = e.timestamp_ms;
    r.timestamp_type = e.timestamp_type;
    r.key = pointer(e.key);
    r.key_len = e.key.len == kNull ? 0 : e.key.len;
    r.value = pointer(e.value);
    r.value_len = e.value.len == kNull ? 0 : e.value.len;
    headers.clear();
    for (uint32_t h = 0; h < e.header_count; ++h) {
        const Header &header = headers_[e.first_header + h];
        headers.push_back({static_cast<const char *>(pointer(header.name)), pointer(header.value),
                           header.value.len == kNull ? 0 : header.value.len});
    }
    r.headers = headers.empty() ? nullptr : headers.data();
    r.header_count = headers.size();
    r.header_stride = sizeof(ss_header);
    return r;
}

namespace {

bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

} // namespace

bool is_utf8(const void *data, size_t len) {
    const auto *s = static_cast<const unsigned char *>(data);
    size_t i = 0;
    while (i < len) {
        // Eight ASCII bytes at a time: record values are mostly ASCII.
        if (i + 8 <= len) {
            uint64_t word;
            std::memcpy(&word, s + i, 8);
            if ((word & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        const unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        // The second byte's range depends on the first (table 3-7); the rest are 80..BF.
        unsigned char low = 0x80, high = 0xBF;
        size_t n;
        if (c >= 0xC2 && c <= 0xDF) n = 2;
        else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            if (c == 0xE0) low = 0xA0;
            if (c == 0xED) high = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            if (c == 0xF0) low = 0x90;
            if (c == 0xF4) high = 0x8F;
        } else
            return false;
        if (i + n > len || s[i + 1] < low || s[i + 1] > high) return false;
        for (size_t k = 2; k < n; ++k)
            if (!continuation(s[i + k])) return false;
        i += n;
    }
    return true;
}

} // namespace streamsubmit::python
