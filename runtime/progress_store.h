// Where a direct stream keeps its progress and which partitions it reads
// (stream.kafka.coordination): its own checkpoint directory (CheckpointProgress, one
// instance reads every partition) or a Kafka consumer group shared by several instances
// (GroupProgress, each reads the partitions the group assigns it).
#pragma once

#include "common/error.h"
#include "runtime/checkpoint.h"
#include "runtime/offset_range.h"

#include <chrono>
#include <optional>
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

    struct Ownership {
        std::vector<TopicPartition> partitions; // read from now on
        std::vector<TopicPartition> fresh;      // (re)assigned since the last call: positions re-read
    };
    // nullopt: this instance reads every partition of the subscription.
    virtual std::optional<Ownership> ownership() = 0;
    // Stored positions of partitions this instance just gained; those without one are absent.
    virtual Result<OffsetMap> stored_positions(const std::vector<TopicPartition> &partitions) = 0;
    // Whether a gained partition without stored progress starts at the starting options
    // (else at its earliest offset, as new partitions do).
    virtual bool starting_options_for_gained() const = 0;

    // Whether partitions move between instances (a group): the application is then asked
    // where each partition this instance gains continues (its answer wins).
    virtual bool partitions_move() const { return false; }

    // Waits until `deadline` or a stop request (true); a group serves its events meanwhile.
    virtual Result<bool> wait_until(std::chrono::steady_clock::time_point deadline) = 0;

    // The group member's serialized metadata (generation, member id) for a transactional
    // sink's offsets, taken when a batch is planned; empty without a group.
    virtual Result<std::string> group_metadata() { return std::string(); }

    // Before any record of the batch is read.
    virtual Status planned(const BatchRecord &batch) = 0;
    // The application refused to commit the batch because the group rebalanced while it ran:
    // true when the store drops it (its partitions restart at their stored progress), false
    // when it cannot (the refusal is then an error).
    virtual bool abandon(const BatchRecord &, const std::string & /*reason*/) { return false; }
    // After the batch's output: makes its until offsets the stored progress. false: the batch
    // was aborted (its partitions moved to another instance), its offsets are not committed.
    virtual Result<bool> completed(const BatchRecord &batch) = 0;
};

} // namespace streamsubmit::runtime
