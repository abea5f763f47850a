#include "runtime/receiver/block.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace streamsubmit::runtime {

Block::Block(std::shared_ptr<ChunkPool> pool, size_t expected_records)
    : records_(pool, expected_records), arena_(std::move(pool)) {}

uint32_t Block::slot(std::string_view topic, int32_t partition) {
    for (uint32_t i = 0; i < partitions_.size(); ++i)
        if (partitions_[i].tp.partition == partition && partitions_[i].tp.topic == topic) return i;
    partitions_.push_back({{std::string(topic), partition}, INT64_MAX, INT64_MIN, 0, 0});
    return static_cast<uint32_t>(partitions_.size() - 1);
}

namespace header_encoding {
namespace {

void put32(char *at, uint32_t v) {
    for (int i = 0; i < 4; ++i) at[i] = static_cast<char>((v >> (8 * i)) & 0xFFu);
}

uint32_t get32(const char *at) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(at[i])) << (8 * i);
    return v;
}

const ss_header &at(const ss_header *headers, size_t i, size_t stride) {
    return *reinterpret_cast<const ss_header *>(reinterpret_cast<const char *>(headers) + i * stride);
}

} // namespace

size_t encoded_size(const ss_header *headers, size_t count, size_t stride) {
    if (count == 0 || !headers) return 0;
    size_t n = 4;
    for (size_t i = 0; i < count; ++i) {
        const ss_header &h = at(headers, i, stride);
        n += 4 + std::strlen(h.name) + 1 + 4 + (h.value ? h.value_len : 0);
    }
    return n;
}

void encode(char *out, const ss_header *headers, size_t count, size_t stride) {
    if (count == 0 || !headers) return;
    put32(out, static_cast<uint32_t>(count));
    out += 4;
    for (size_t i = 0; i < count; ++i) {
        const ss_header &h = at(headers, i, stride);
        const size_t name_len = std::strlen(h.name);
        put32(out, static_cast<uint32_t>(name_len));
        std::memcpy(out + 4, h.name, name_len + 1);
        out += 4 + name_len + 1;
        put32(out, h.value ? static_cast<uint32_t>(h.value_len) : kNullValue);
        out += 4;
        if (h.value && h.value_len) std::memcpy(out, h.value, h.value_len);
        if (h.value) out += h.value_len;
    }
}

std::optional<size_t> count_valid(std::string_view in) {
    if (in.empty()) return 0;
    if (in.size() < 4) return std::nullopt;
    const uint32_t count = get32(in.data());
    if (count == 0 || count > in.size() / 9) return std::nullopt; // a header takes at least 9 bytes
    size_t pos = 4;
    for (uint32_t i = 0; i < count; ++i) {
        if (in.size() - pos < 4) return std::nullopt;
        const uint32_t name_len = get32(in.data() + pos);
        pos += 4;
        if (in.size() - pos < static_cast<size_t>(name_len) + 1 + 4) return std::nullopt;
        const std::string_view name = in.substr(pos, name_len);
        if (name.find('\0') != std::string_view::npos || in[pos + name_len] != '\0') return std::nullopt;
        pos += name_len + 1;
        const uint32_t value_len = get32(in.data() + pos);
        pos += 4;
        if (value_len == kNullValue) continue;
        if (in.size() - pos < value_len) return std::nullopt;
        pos += value_len;
    }
    if (pos != in.size()) return std::nullopt;
    return count;
}

uint32_t count(std::string_view encoded) { return get32(encoded.data()); }

void decode(std::string_view in, ss_header *out) {
    const uint32_t n = count(in);
    const char *p = in.data() + 4;
    for (uint32_t i = 0; i < n; ++i) {
        const uint32_t name_len = get32(p);
        out[i].name = p + 4;
        p += 4 + name_len + 1;
        const uint32_t value_len = get32(p);
        p += 4;
        if (value_len == kNullValue) {
            out[i].value = nullptr;
            out[i].value_len = 0;
        } else {
            out[i].value = p;
            out[i].value_len = value_len;
            p += value_len;
        }
    }
}

} // namespace header_encoding

namespace {

[[noreturn, gnu::cold]] void headers_too_large() { throw std::length_error("a record's headers exceed 512 MiB"); }

} // namespace

char *Block::reserve(uint32_t slot, int64_t offset, int64_t timestamp_ms, int32_t timestamp_type, const void *key,
                     size_t key_len, const void *value, size_t value_len, size_t header_bytes, bool keep_value) {
    if (!key) key_len = 0;
    if (!value) value_len = 0;
    if (header_bytes > kHeaderBytesMask) headers_too_large();
    const size_t in_arena = keep_value ? sizeof value : value_len;
    char *data = arena_.allocate(key_len + in_arena + header_bytes);
    if (key_len) std::memcpy(data, key, key_len);
    char *headers = data + key_len + (keep_value ? 0 : value_len);
    if (keep_value) {
        std::memcpy(headers + header_bytes, &value, sizeof value);
        kept_bytes_ += value_len + kKeptMessageBytes;
    } else if (value_len) {
        std::memcpy(data + key_len, value, value_len);
    }
    header_bytes_ += header_bytes;
    append_entry(slot, offset, timestamp_ms, timestamp_type, data, key ? static_cast<int32_t>(key_len) : -1,
                 value ? static_cast<int32_t>(value_len) : -1,
                 static_cast<uint32_t>(header_bytes) | (keep_value ? kValueKept : 0u));
    count(slot, offset, offset, timestamp_ms, 1, static_cast<int64_t>(key_len + value_len));
    return headers;
}

// Written field by field into the entry's place (ChunkedArray::append says why).
[[gnu::always_inline]] inline void Block::append_entry(uint32_t slot, int64_t offset, int64_t timestamp_ms,
                                                       int32_t timestamp_type, const char *data, int32_t key_len,
                                                       int32_t value_len, uint32_t meta) {
    Entry *e = records_.append();
    e->offset = offset;
    e->timestamp_ms = timestamp_ms;
    e->data = data;
    e->value_len = value_len;
    e->key_len = key_len;
    e->partition = slot;
    e->meta = meta | ((static_cast<uint32_t>(timestamp_type) & 3u) << 30);
}

void Block::count(uint32_t slot, int64_t first, int64_t last, int64_t last_timestamp_ms, int64_t count,
                  int64_t bytes) {
    auto &p = partitions_[slot];
    p.first = std::min(p.first, first);
    if (last + 1 >= p.next) p.last_timestamp_ms = last_timestamp_ms;
    p.next = std::max(p.next, last + 1);
    p.records += count;
    p.bytes += bytes;
}

// Large values, a few hundred a poll: one record at a time is cheap enough.
void Block::add_kept_run(uint32_t slot, const ss_record *records, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        const ss_record &r = records[i];
        const size_t header_bytes =
            r.header_count ? header_encoding::encoded_size(r.headers, r.header_count, r.header_stride) : 0;
        // A tombstone has no value to keep: it is stored as a copied one.
        char *headers = reserve(slot, r.offset, r.timestamp_ms, r.timestamp_type, r.key, r.key_len, r.value,
                                r.value_len, header_bytes, r.value != nullptr);
        if (header_bytes) header_encoding::encode(headers, r.headers, r.header_count, r.header_stride);
    }
}

// The receiver's hot path, every record but those of large values: what reserve() does, with
// nothing but locals updated per record. bench_block_store (100-byte values) took 13.7-14.3 ns
// a record so, against 16.5-17.0 ns a record through a call per record (bench/PROFILES.md).
void Block::add_run(uint32_t slot, const ss_record *records, size_t n) {
    if (n == 0) return;
    int64_t first = INT64_MAX, last = INT64_MIN, last_timestamp_ms = -1, bytes = 0;
    size_t all_header_bytes = 0;
    for (size_t i = 0; i < n; ++i) {
        const ss_record &r = records[i];
        const size_t key_len = r.key ? r.key_len : 0;
        const size_t value_len = r.value ? r.value_len : 0;
        size_t header_bytes = 0;
        if (r.header_count) [[unlikely]] {
            header_bytes = header_encoding::encoded_size(r.headers, r.header_count, r.header_stride);
            if (header_bytes > kHeaderBytesMask) headers_too_large();
        }
        char *data = arena_.allocate(key_len + value_len + header_bytes);
        if (key_len) std::memcpy(data, r.key, key_len);
        if (value_len) std::memcpy(data + key_len, r.value, value_len);
        if (header_bytes) [[unlikely]]
            header_encoding::encode(data + key_len + value_len, r.headers, r.header_count, r.header_stride);
        all_header_bytes += header_bytes;
        append_entry(slot, r.offset, r.timestamp_ms, r.timestamp_type, data, r.key ? static_cast<int32_t>(key_len) : -1,
                     r.value ? static_cast<int32_t>(value_len) : -1, static_cast<uint32_t>(header_bytes));
        first = std::min(first, r.offset);
        if (r.offset >= last) {
            last = r.offset;
            last_timestamp_ms = r.timestamp_ms;
        }
        bytes += static_cast<int64_t>(key_len + value_len);
    }
    header_bytes_ += all_header_bytes;
    count(slot, first, last, last_timestamp_ms, static_cast<int64_t>(n), bytes);
}

bool Block::worth_keeping(const ss_record *records, size_t count) {
    size_t value_bytes = 0;
    for (size_t i = 0; i < count; ++i) value_bytes += records[i].value_len;
    return count > 0 && value_bytes / count >= kKeepValueBytes;
}

void Block::keep(RecordLease lease) {
    if (lease) leases_.push_back(std::move(lease));
}

void Block::add_encoded(uint32_t slot, const RecordView &r) {
    char *headers = reserve(slot, r.offset, r.timestamp_ms, r.timestamp_type, r.key ? r.key->data() : nullptr,
                            r.key ? r.key->size() : 0, r.value ? r.value->data() : nullptr,
                            r.value ? r.value->size() : 0, r.headers.size());
    if (!r.headers.empty()) std::memcpy(headers, r.headers.data(), r.headers.size());
}

void Block::add(const ss_record &r) { add_run(slot(r.topic ? r.topic : "", r.partition), &r, 1); }

void Block::add(const ReceivedRecord &r) {
    std::vector<ss_header> headers;
    for (const auto &h : r.headers)
        headers.push_back({h.name.c_str(), h.value ? h.value->data() : nullptr, h.value ? h.value->size() : 0});
    ss_record c{};
    c.topic = r.tp.topic.c_str();
    c.partition = r.tp.partition;
    c.offset = r.offset;
    c.timestamp_ms = r.timestamp_ms;
    c.key = r.key ? r.key->data() : nullptr;
    c.key_len = r.key ? r.key->size() : 0;
    c.value = r.value ? r.value->data() : nullptr;
    c.value_len = r.value ? r.value->size() : 0;
    c.struct_size = sizeof(ss_record);
    c.timestamp_type = r.timestamp_type;
    c.headers = headers.empty() ? nullptr : headers.data();
    c.header_count = headers.size();
    c.header_stride = sizeof(ss_header);
    add(c);
}

RecordView Block::record(size_t i) const {
    const Entry &e = records_[i];
    RecordView v;
    v.tp = &partitions_[e.partition].tp;
    v.offset = e.offset;
    v.timestamp_ms = e.timestamp_ms;
    v.timestamp_type = static_cast<int32_t>(e.meta >> 30);
    const size_t key_len = e.key_len < 0 ? 0 : static_cast<size_t>(e.key_len);
    const size_t value_len = e.value_len < 0 ? 0 : static_cast<size_t>(e.value_len);
    const size_t header_bytes = e.meta & kHeaderBytesMask;
    if (e.key_len >= 0) v.key = std::string_view(e.data, key_len);
    if (e.meta & kValueKept) {
        const char *value = nullptr;
        std::memcpy(&value, e.data + key_len + header_bytes, sizeof value);
        v.value = std::string_view(value, value_len);
        v.headers = std::string_view(e.data + key_len, header_bytes);
        return v;
    }
    if (e.value_len >= 0) v.value = std::string_view(e.data + key_len, value_len);
    v.headers = std::string_view(e.data + key_len + value_len, header_bytes);
    return v;
}

std::vector<ReceivedRecord> Block::to_records() const {
    std::vector<ReceivedRecord> out;
    out.reserve(size());
    std::vector<ss_header> headers;
    for (size_t i = 0; i < size(); ++i) {
        const RecordView v = record(i);
        ReceivedRecord r{*v.tp, v.offset, v.timestamp_ms, std::nullopt, std::nullopt, v.timestamp_type, {}};
        if (v.key) r.key.emplace(*v.key);
        if (v.value) r.value.emplace(*v.value);
        if (!v.headers.empty()) {
            headers.resize(header_encoding::count(v.headers));
            header_encoding::decode(v.headers, headers.data());
            for (const auto &h : headers)
                r.headers.push_back({h.name, h.value ? std::optional<std::string>(std::string(
                                                           static_cast<const char *>(h.value), h.value_len))
                                                     : std::nullopt});
        }
        out.push_back(std::move(r));
    }
    return out;
}

OffsetMap Block::next_offsets() const {
    OffsetMap out;
    for (const auto &p : partitions_) out[p.tp] = p.next;
    return out;
}

int64_t Block::payload_bytes() const {
    int64_t n = 0;
    for (const auto &p : partitions_) n += p.bytes;
    return n;
}

size_t Block::memory_bytes() const {
    size_t n = arena_.capacity_bytes() + records_.capacity_bytes() + kept_bytes_;
    for (const auto &p : partitions_) n += sizeof(PartitionSummary) + p.tp.topic.capacity();
    return n;
}

} // namespace streamsubmit::runtime
