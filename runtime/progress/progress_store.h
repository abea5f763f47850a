// Where a stream keeps its progress: its own checkpoint directory (CheckpointProgress in
// direct mode, ReceiverProgress in receiver mode) or a Kafka consumer group shared by
// several instances (GroupProgress). Which partitions an instance reads is its Ownership.
#pragma once

#include "common/error.h"
#include "runtime/progress/checkpoint.h"
#include "runtime/core/offset_range.h"

#include <optional>
#include <string>
#include <vector>

namespace streamsubmit::runtime {

class ProgressStore {
public:
    virtual ~ProgressStore() = default;

    struct Resume {
        std::optional<OffsetMap> positions; // stored progress; nullopt: starting options apply
        std::optional<BatchRecord> pending; // planned but not complete: re-run first, same ranges
        int64_t next_id = 0;
    };
    // Called once, at start.
    virtual Result<Resume> resume() = 0;

    // Stored positions of partitions this instance just gained; those without one are absent.
    virtual Result<OffsetMap> stored_positions(const std::vector<TopicPartition> &partitions) = 0;

    // Before any record of the batch is read.
    virtual Status planned(const BatchRecord &batch) = 0;
    // The application refused to commit the batch because the group rebalanced while it ran:
    // true when the store drops it (its partitions restart at their stored progress), false
    // when it cannot (the refusal is then an error).
    virtual bool abandon(const BatchRecord &batch, const std::string &reason) = 0;
    // After the batch's output: makes its until offsets the stored progress. false: the batch
    // was aborted (its partitions moved to another instance), its offsets are not committed.
    virtual Result<bool> completed(const BatchRecord &batch) = 0;
};

} // namespace streamsubmit::runtime
