// Turns "where each partition stands" and "how far it may go" into one batch of
// offset ranges, applying the per-partition rate cap and the per-batch total cap.
#pragma once

#include "runtime/core/offset_range.h"

#include <chrono>
#include <optional>
#include <vector>

namespace streamsubmit::runtime {

struct RateLimits {
    int64_t max_rate_per_partition = 0; // records/s per partition; 0 = unlimited
    int64_t max_offsets_per_batch = 0;  // records per batch in total; 0 = unlimited
    std::chrono::milliseconds batch_interval{2000};
};

class BatchPlanner {
public:
    explicit BatchPlanner(RateLimits limits) : limits_(limits) {}

    // One range per partition in `from`, sorted by topic and partition.
    // until = min(from + rate * interval, limit), then the batch total is split
    // across partitions in proportion to their lag. `limit` is the latest offset,
    // or a stop target (--until latest) when that is lower. A partition missing
    // from `limit` gets an empty range.
    // `stream_rate` (records/s for the whole stream, from backpressure) first gives the
    // batch rate * interval records, split across partitions in proportion to their lag as
    // Spark's direct stream does; the per-partition and per-batch caps then apply on top.
    std::vector<OffsetRange> plan(const OffsetMap &from, const OffsetMap &limit,
                                  std::optional<double> stream_rate = std::nullopt) const;

private:
    RateLimits limits_;
};

} // namespace streamsubmit::runtime
