#include "runtime/block.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace streamsubmit::runtime {

Block::Block(std::shared_ptr<ChunkPool> pool, size_t expected_records) : arena_(std::move(pool)) {
    records_.reserve(expected_records);
}

uint32_t Block::slot(std::string_view topic, int32_t partition) {
    for (uint32_t i = 0; i < partitions_.size(); ++i)
        if (partitions_[i].tp.partition == partition && partitions_[i].tp.topic == topic) return i;
    partitions_.push_back({{std::string(topic), partition}, INT64_MAX, INT64_MIN, 0, 0});
    return static_cast<uint32_t>(partitions_.size() - 1);
}

void Block::add(std::string_view topic, int32_t partition, int64_t offset, int64_t timestamp_ms, const void *key,
                size_t key_len, const void *value, size_t value_len) {
    add_to(slot(topic, partition), offset, timestamp_ms, key, key_len, value, value_len);
}

void Block::add_to(uint32_t slot, int64_t offset, int64_t timestamp_ms, const void *key, size_t key_len,
                   const void *value, size_t value_len) {
    if (!key) key_len = 0;
    if (!value) value_len = 0;
    char *data = arena_.allocate(key_len + value_len);
    if (key_len) std::memcpy(data, key, key_len);
    if (value_len) std::memcpy(data + key_len, value, value_len);
    auto &p = partitions_[slot];
    p.first = std::min(p.first, offset);
    p.next = std::max(p.next, offset + 1);
    p.records += 1;
    p.bytes += static_cast<int64_t>(key_len + value_len);
    records_.push_back({offset, timestamp_ms, data, static_cast<uint32_t>(value_len),
                        key ? static_cast<int32_t>(key_len) : -1, slot});
}

void Block::add(const ReceivedRecord &r) {
    add(r.tp.topic, r.tp.partition, r.offset, r.timestamp_ms, r.key ? r.key->data() : nullptr,
        r.key ? r.key->size() : 0, r.value.data(), r.value.size());
}

RecordView Block::record(size_t i) const {
    const Entry &e = records_[i];
    RecordView v;
    v.tp = &partitions_[e.partition].tp;
    v.offset = e.offset;
    v.timestamp_ms = e.timestamp_ms;
    const size_t key_len = e.key_len < 0 ? 0 : static_cast<size_t>(e.key_len);
    if (e.key_len >= 0) v.key = std::string_view(e.data, key_len);
    v.value = std::string_view(e.data + key_len, e.value_len);
    return v;
}

std::vector<ReceivedRecord> Block::to_records() const {
    std::vector<ReceivedRecord> out;
    out.reserve(size());
    for (size_t i = 0; i < size(); ++i) {
        const RecordView v = record(i);
        ReceivedRecord r{*v.tp, v.offset, v.timestamp_ms, std::nullopt, std::string(v.value)};
        if (v.key) r.key.emplace(*v.key);
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
    size_t n = arena_.capacity_bytes() + records_.capacity() * sizeof(Entry);
    for (const auto &p : partitions_) n += sizeof(PartitionSummary) + p.tp.topic.capacity();
    return n;
}

} // namespace streamsubmit::runtime
