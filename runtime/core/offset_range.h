// Vocabulary of the direct consumer: partitions, offsets and half-open ranges.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <string>

namespace streamsubmit::runtime {

// Kafka's special offsets, as used by startingOffsets JSON.
inline constexpr int64_t kOffsetLatest = -1;
inline constexpr int64_t kOffsetEarliest = -2;

struct TopicPartition {
    std::string topic;
    int32_t partition = 0;
    auto operator<=>(const TopicPartition &) const = default;
};

std::string to_string(const TopicPartition &tp); // "orders-2"

// Records [from, until) of one partition: from inclusive, until exclusive.
struct OffsetRange {
    TopicPartition tp;
    int64_t from = 0;
    int64_t until = 0;
    int64_t size() const { return until > from ? until - from : 0; }
    bool operator==(const OffsetRange &) const = default;
};

struct Watermarks {
    int64_t earliest = 0;
    int64_t latest = 0;
};

using OffsetMap = std::map<TopicPartition, int64_t>;
using WatermarkMap = std::map<TopicPartition, Watermarks>;

} // namespace streamsubmit::runtime
