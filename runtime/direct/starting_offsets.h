// Where a partition starts when there is no checkpoint: stream.startingOffsets JSON,
// stream.startingTimestamp, or kafka.auto.offset.reset (in that order of preference).
#pragma once

#include "common/error.h"
#include "runtime/core/offset_range.h"

#include <optional>
#include <string_view>
#include <vector>

namespace streamsubmit::runtime {

struct StartingOffsets {
    bool from_earliest = false;              // kafka.auto.offset.reset
    std::optional<OffsetMap> explicit_offsets; // values may be kOffsetEarliest / kOffsetLatest
    std::optional<int64_t> timestamp_ms;
};

// Parses {"orders":{"0":23,"1":-2}}; errors name the offending part.
Result<OffsetMap> parse_starting_offsets_json(std::string_view json);

// earliest|smallest → true, latest|largest → false.
Result<bool> parse_auto_offset_reset(std::string_view value);

// stream.startingOffsets beyond a partition's log end: exit 4 naming the partition, the offset
// asked for and the latest offset, before anything is planned (a position past the end would
// be stored in the checkpoint and wait for records that may never come). Offsets below the
// log start are left to the data-loss check (stream.failOnDataLoss), as Spark does.
Status check_starting_offsets_in_log(const std::vector<TopicPartition> &partitions, const WatermarkMap &watermarks,
                                     const StartingOffsets &start);

// The first offset of each partition. `timestamp_offsets` holds offsets_for_times
// answers (-1 = no record that late, so start at latest). Offsets beyond a partition's
// watermarks are kept as given; the data-loss check judges those below earliest.
OffsetMap initial_offsets(const std::vector<TopicPartition> &partitions, const WatermarkMap &watermarks,
                          const StartingOffsets &start, const OffsetMap &timestamp_offsets);

} // namespace streamsubmit::runtime
