// Receiver mode's progress in its checkpoint directory (optional): only completed batches
// are recorded. A batch is not recorded as planned: its records were received (and, with
// the write-ahead log, logged) before it was cut, so an unfinished one is replayed from the
// log or, without it, received again from the group's committed offsets.
#pragma once

#include "runtime/progress/progress_store.h"

#include <filesystem>
#include <optional>
#include <string>

namespace streamsubmit::runtime {

struct ReceiverProgressOptions {
    std::optional<std::filesystem::path> dir;
    std::string subscription; // receiver_subscription_id() of the job
    int keep_batches = 10;
};

class ReceiverProgress final : public ProgressStore {
public:
    explicit ReceiverProgress(ReceiverProgressOptions options) : options_(std::move(options)) {}

    // Only next_id: the id after the last completed batch. Positions are the group's.
    Result<Resume> resume() override;
    Result<OffsetMap> stored_positions(const std::vector<TopicPartition> &) override { return OffsetMap{}; }
    Status planned(const BatchRecord &) override { return ok_status(); }
    // The receivers' group commits offsets only after a batch completed: nothing to drop.
    bool abandon(const BatchRecord &, const std::string &) override { return false; }
    Result<bool> completed(const BatchRecord &batch) override;

private:
    ReceiverProgressOptions options_;
    std::optional<Checkpoint> checkpoint_;
};

} // namespace streamsubmit::runtime
