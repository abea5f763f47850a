// stream.kafka.coordination=checkpoint (the default): one instance reads every partition
// and keeps its progress in its own checkpoint directory (optional), optionally also
// committing each batch to kafka.group.id so Kafka's tools show lag.
#pragma once

#include "runtime/core/diagnostics.h"
#include "runtime/progress/progress_store.h"
#include "runtime/plugin/source.h"

#include <filesystem>
#include <optional>
#include <string>

namespace streamsubmit::runtime {

struct CheckpointProgressOptions {
    std::optional<std::filesystem::path> dir;
    std::string subscription; // subscription_id() of the job
    int keep_batches = 10;
    bool commit_offsets = false; // stream.kafka.commitOffsets
};

class CheckpointProgress final : public ProgressStore {
public:
    CheckpointProgress(CheckpointProgressOptions options, Source &control, Diagnostics diagnostics)
        : options_(std::move(options)), control_(control), diagnostics_(std::move(diagnostics)) {}

    Result<Resume> resume() override;
    // One instance reads every partition: nothing is stored for a partition it did not read.
    Result<OffsetMap> stored_positions(const std::vector<TopicPartition> &) override { return OffsetMap{}; }
    Status planned(const BatchRecord &batch) override;
    // Without a group nothing refuses a batch; a refusal is an error.
    bool abandon(const BatchRecord &, const std::string &) override { return false; }
    Result<bool> completed(const BatchRecord &batch) override;

private:
    CheckpointProgressOptions options_;
    Source &control_;
    Diagnostics diagnostics_;
    std::optional<Checkpoint> checkpoint_;
};

} // namespace streamsubmit::runtime
