// Which partitions this instance reads (stream.kafka.coordination): every partition of
// the subscription (AllPartitions) or those a consumer group assigns it (GroupOwnership).
// Where each partition's progress is kept is the ProgressStore's business, not this.
#pragma once

#include "common/error.h"
#include "runtime/core/offset_range.h"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace streamsubmit::runtime {

class Ownership {
public:
    virtual ~Ownership() = default;

    // Once, at start, after the progress store resumed (a group is joined here).
    virtual Status start() = 0;

    struct Assignment {
        std::vector<TopicPartition> partitions; // read from now on
        std::vector<TopicPartition> fresh;      // (re)assigned since the last call: positions re-read
        std::vector<TopicPartition> released;   // no longer this instance's since the last call
    };
    // Lists every partition of the subscription, when the ownership needs that.
    using ListPartitions = std::function<Result<std::vector<TopicPartition>>()>;
    virtual Result<Assignment> assignment(const ListPartitions &list) = 0;

    // Whether a gained partition without stored progress starts at the starting options
    // (else at its earliest offset, as a partition created while the job runs does).
    virtual bool starting_options_for_gained() const = 0;
    // Whether partitions move between instances: the application is then asked where each
    // partition this instance gains continues (its answer wins).
    virtual bool partitions_move() const = 0;

    // Waits until `deadline` or a stop request (true); a group serves its events meanwhile.
    virtual Result<bool> wait_until(std::chrono::steady_clock::time_point deadline) = 0;

    // The group member's serialized metadata (generation, member id) for a transactional
    // sink's offsets, taken when a batch is planned; empty without a group.
    virtual Result<std::string> group_metadata() = 0;
};

} // namespace streamsubmit::runtime
