// stream.kafka.coordination=group: several instances (one per host) share a topic through
// a Kafka consumer group. A member that fetches nothing learns which partitions are this
// instance's; each batch's until offsets are committed to the group with metadata naming
// the batch, and the group's committed offsets decide where a partition's next owner starts.
#pragma once

#include "runtime/diagnostics.h"
#include "runtime/progress_store.h"
#include "runtime/source.h"
#include "runtime/stop_signal.h"

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace streamsubmit::runtime {

struct GroupProgressOptions {
    std::string group;
    std::vector<std::string> topics;
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

class GroupProgress final : public ProgressStore {
public:
    // `member` is a source of its own: it joins the group in resume() and serves its events.
    GroupProgress(GroupProgressOptions options, Source &member, Diagnostics diagnostics, StopSignal &stop)
        : options_(std::move(options)), member_(member), diagnostics_(std::move(diagnostics)), stop_(stop) {}
    GroupProgress(const GroupProgress &) = delete; // the member's rebalance callback holds `this`
    GroupProgress &operator=(const GroupProgress &) = delete;

    Result<Resume> resume() override;
    std::optional<Ownership> ownership() override;
    Result<OffsetMap> stored_positions(const std::vector<TopicPartition> &partitions) override;
    bool starting_options_for_gained() const override { return true; }
    bool partitions_move() const override { return true; }
    Result<bool> wait_until(std::chrono::steady_clock::time_point deadline) override;
    Result<std::string> group_metadata() override { return member_.group_metadata(); }
    Status planned(const BatchRecord &batch) override;
    bool abandon(const BatchRecord &batch, const std::string &reason) override;
    Result<bool> completed(const BatchRecord &batch) override;

    // The Kafka commit metadata of a batch: "batch=<id> instance=<name> time=<epoch-ms>".
    static std::string commit_metadata(const BatchRecord &batch, const std::string &instance);

private:
    enum class Fate { Pending, Committed, Aborted };

    static void on_rebalance(void *ctx, ss_rebalance_event event, const ss_topic_partition *partitions, size_t count);
    void rebalanced(ss_rebalance_event event, const std::vector<TopicPartition> &partitions);
    Status serve(std::chrono::milliseconds timeout);
    bool try_commit();
    OffsetMap changed_untils(const BatchRecord &batch) const;
    void reread(const BatchRecord &batch);
    void say(LogLevel level, const std::string &message) const;

    GroupProgressOptions options_;
    Source &member_;
    Diagnostics diagnostics_;
    StopSignal &stop_;
    std::optional<Checkpoint> checkpoint_;

    std::set<TopicPartition> owned_;
    std::set<TopicPartition> fresh_;
    OffsetMap committed_; // what this member knows the group holds for its partitions
    // The batch being committed; a revocation of its partitions commits or aborts it.
    const BatchRecord *in_flight_ = nullptr;
    OffsetMap in_flight_offsets_;
    Fate fate_ = Fate::Pending;
    std::string abort_reason_;
};

} // namespace streamsubmit::runtime
