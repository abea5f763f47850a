// Receiver mode's unit of storage: the records one receiver thread got during one
// block interval (stream.blockInterval), kept whole (key, value, position) because
// once its offsets are committed Kafka will not deliver them again.
#pragma once

#include "runtime/offset_range.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace streamsubmit::runtime {

struct ReceivedRecord {
    TopicPartition tp;
    int64_t offset = 0;
    int64_t timestamp_ms = -1;
    std::optional<std::string> key; // nullopt: the record has no key (not the same as an empty one)
    std::string value;

    bool operator==(const ReceivedRecord &) const = default;
    // Key and value bytes, what reports count as "bytes".
    int64_t payload_bytes() const { return static_cast<int64_t>((key ? key->size() : 0) + value.size()); }
    // An estimate of the memory the record holds, for stream.receiver.maxBufferedBytes.
    size_t memory_bytes() const { return sizeof(ReceivedRecord) + tp.topic.size() + (key ? key->size() : 0) + value.size(); }
};

struct Block {
    int receiver = 0;     // index of the receiver thread that made it
    int64_t seq = 0;      // per receiver, increasing
    int64_t time_ms = 0;  // epoch ms at which it was sealed
    std::vector<ReceivedRecord> records;
    size_t memory_bytes = 0;

    // Per partition, the next offset after the last record of the block: what to commit.
    OffsetMap next_offsets() const {
        OffsetMap out;
        for (const auto &r : records) {
            auto &next = out[r.tp];
            next = std::max(next, r.offset + 1);
        }
        return out;
    }
};

} // namespace streamsubmit::runtime
