// stream.kafka.coordination=group: each batch's until offsets are committed to the consumer
// group with metadata naming the batch, and the group's committed offsets decide where a
// partition's next owner starts. Which partitions this instance reads is GroupOwnership's.
#pragma once

#include "runtime/core/diagnostics.h"
#include "runtime/progress/group_ownership.h"
#include "runtime/progress/progress_store.h"
#include "runtime/plugin/source.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace streamsubmit::runtime {

struct GroupProgressOptions {
    std::string group;
    std::string instance; // names this process in the commit metadata
    std::chrono::milliseconds request_timeout{10'000};
    // How long a batch whose commit was refused during a rebalance waits for the group to
    // settle (it commits if it still owns its partitions) before it is aborted.
    std::chrono::milliseconds commit_patience{30'000};
    // Optional local log of this instance's batches; never a source of positions.
    std::optional<std::filesystem::path> checkpoint_dir;
    std::string subscription;
    int keep_batches = 10;
};

class GroupProgress final : public ProgressStore, private GroupListener {
public:
    // `member` is the group member `ownership` joins with; this listens to its changes.
    GroupProgress(GroupProgressOptions options, Source &member, GroupOwnership &ownership, Diagnostics diagnostics);
    GroupProgress(const GroupProgress &) = delete; // the ownership holds `this` as its listener
    GroupProgress &operator=(const GroupProgress &) = delete;
    ~GroupProgress() override { ownership_.set_listener(nullptr); }

    Result<Resume> resume() override;
    Result<OffsetMap> stored_positions(const std::vector<TopicPartition> &partitions) override;
    Status planned(const BatchRecord &batch) override;
    bool abandon(const BatchRecord &batch, const std::string &reason) override;
    Result<bool> completed(const BatchRecord &batch) override;

    // The Kafka commit metadata of a batch: "batch=<id> instance=<name> time=<epoch-ms>".
    static std::string commit_metadata(const BatchRecord &batch, const std::string &instance);

private:
    enum class Fate { Pending, Committed, Aborted };

    void assigned(const std::vector<TopicPartition> &partitions) override;
    void leaving(const std::vector<TopicPartition> &partitions, bool lost) override;
    Status try_commit();
    OffsetMap changed_untils(const BatchRecord &batch) const;
    void reread(const BatchRecord &batch);
    void say(LogLevel level, const std::string &message) const;

    GroupProgressOptions options_;
    Source &member_;
    GroupOwnership &ownership_;
    Diagnostics diagnostics_;
    std::optional<Checkpoint> checkpoint_;

    OffsetMap committed_; // what this member knows the group holds for its partitions
    // The batch being committed; a revocation of its partitions commits or aborts it.
    const BatchRecord *in_flight_ = nullptr;
    OffsetMap in_flight_offsets_;
    Fate fate_ = Fate::Pending;
    std::string abort_reason_;
};

} // namespace streamsubmit::runtime
