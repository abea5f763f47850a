// stream.kafka.coordination=checkpoint (the default): one instance reads every partition
// and keeps its progress in its own checkpoint directory (optional), optionally also
// committing each batch to kafka.group.id so Kafka's tools show lag.
#pragma once

#include "runtime/diagnostics.h"
#include "runtime/progress_store.h"
#include "runtime/source.h"
#include "runtime/stop_signal.h"

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
    CheckpointProgress(CheckpointProgressOptions options, Source &control, Diagnostics diagnostics, StopSignal &stop)
        : options_(std::move(options)), control_(control), diagnostics_(std::move(diagnostics)), stop_(stop) {}

    Result<Resume> resume() override;
    std::optional<Ownership> ownership() override { return std::nullopt; }
    Result<OffsetMap> stored_positions(const std::vector<TopicPartition> &) override { return OffsetMap{}; }
    bool starting_options_for_gained() const override { return false; }
    Result<bool> wait_until(std::chrono::steady_clock::time_point deadline) override {
        return stop_.wait_until(deadline);
    }
    Status planned(const BatchRecord &batch) override;
    Result<bool> completed(const BatchRecord &batch) override;

private:
    CheckpointProgressOptions options_;
    Source &control_;
    Diagnostics diagnostics_;
    StopSignal &stop_;
    std::optional<Checkpoint> checkpoint_;
};

} // namespace streamsubmit::runtime
