// stream.kafka.coordination=group: several instances (one per host) share a topic through a
// Kafka consumer group. A member that fetches nothing joins the group; its rebalance events
// decide which partitions this instance reads. Where a partition continues is the group's
// progress (GroupProgress), which hears of every change through a GroupListener.
#pragma once

#include "runtime/core/diagnostics.h"
#include "runtime/progress/ownership.h"
#include "runtime/plugin/source.h"
#include "runtime/core/stop_signal.h"
#include "runtime/core/job_observer.h"

#include <set>
#include <string>
#include <vector>

namespace streamsubmit::runtime {

struct GroupOwnershipOptions {
    std::string group;
    std::vector<std::string> topics;
    std::string instance; // names this process in messages and in the commit metadata
    JobObserver *observer = nullptr; // told of each assignment change (the metrics); may be null
};

// Told of the group's assignment changes, on the thread serving the group, inside the
// member's rebalance callback.
class GroupListener {
public:
    virtual ~GroupListener() = default;
    virtual void assigned(const std::vector<TopicPartition> &partitions) = 0;
    // Before the member lets them go: a revoked partition may still be committed now, a
    // lost one (session expired, fenced) may already be another member's.
    virtual void leaving(const std::vector<TopicPartition> &partitions, bool lost) = 0;
};

class GroupOwnership final : public Ownership {
public:
    // `member` is a source of its own: it joins the group in start() and serves its events.
    GroupOwnership(GroupOwnershipOptions options, Source &member, Diagnostics diagnostics, StopSignal &stop)
        : options_(std::move(options)), member_(member), diagnostics_(std::move(diagnostics)), stop_(stop) {}
    GroupOwnership(const GroupOwnership &) = delete; // the member's rebalance callback holds `this`
    GroupOwnership &operator=(const GroupOwnership &) = delete;

    void set_listener(GroupListener *listener) { listener_ = listener; }

    Status start() override;
    Result<Assignment> assignment(const ListPartitions &list) override;
    bool starting_options_for_gained() const override { return true; }
    bool partitions_move() const override { return true; }
    Result<bool> wait_until(std::chrono::steady_clock::time_point deadline) override;
    Result<std::string> group_metadata() override { return member_.group_metadata(); }

    // Serving the group's events in slices keeps a stop request and a revocation prompt.
    static constexpr std::chrono::milliseconds kServeSlice{100};
    // Serves the group's events for up to `timeout` (the rebalance callback runs inside).
    Status serve(std::chrono::milliseconds timeout);
    bool owns(const TopicPartition &tp) const { return owned_.contains(tp); }
    // The partition's position is taken from the group again at the next assignment().
    void reread(const TopicPartition &tp) { fresh_.insert(tp); }

private:
    static void on_rebalance(void *ctx, ss_rebalance_event event, const ss_topic_partition *partitions, size_t count);
    void rebalanced(ss_rebalance_event event, const std::vector<TopicPartition> &partitions);
    void say(LogLevel level, const std::string &message) const;

    GroupOwnershipOptions options_;
    Source &member_;
    Diagnostics diagnostics_;
    StopSignal &stop_;
    GroupListener *listener_ = nullptr;

    std::set<TopicPartition> owned_;
    std::set<TopicPartition> fresh_;
    std::set<TopicPartition> released_;
    // A failure inside the rebalance callback (nothing may throw into the plugin): serve()
    // returns it, so the job stops instead of reading with a wrong idea of what it owns.
    Status callback_status_ = ok_status();
};

} // namespace streamsubmit::runtime
