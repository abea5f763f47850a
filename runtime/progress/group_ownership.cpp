#include "runtime/progress/group_ownership.h"

#include "common/guarded.h"

#include <fmt/format.h>

#include <algorithm>

namespace streamsubmit::runtime {
namespace {

using Clock = std::chrono::steady_clock;

std::string names(const std::vector<TopicPartition> &partitions) {
    std::string out;
    for (const auto &tp : partitions) out += (out.empty() ? "" : ",") + to_string(tp);
    return out.empty() ? "(none)" : out;
}

} // namespace

void GroupOwnership::say(LogLevel level, const std::string &message) const {
    if (diagnostics_) diagnostics_(level, message);
}

Status GroupOwnership::start() {
    if (auto st = member_.join_group(options_.topics, &GroupOwnership::on_rebalance, this); !st) return st;
    say(LogLevel::Info, fmt::format("joined consumer group {} as {}; waiting for partitions", options_.group,
                                    options_.instance));
    return ok_status();
}

void GroupOwnership::on_rebalance(void *ctx, ss_rebalance_event event, const ss_topic_partition *partitions,
                                  size_t count) {
    auto &self = *static_cast<GroupOwnership *>(ctx);
    Status st = run_guarded("consumer group rebalance", [&]() -> Status {
        std::vector<TopicPartition> tps;
        tps.reserve(count);
        for (size_t i = 0; i < count; ++i) tps.push_back({partitions[i].topic, partitions[i].partition});
        self.rebalanced(event, tps);
        return ok_status();
    });
    if (!st && self.callback_status_) self.callback_status_ = std::move(st); // the first failure is the cause
}

void GroupOwnership::rebalanced(ss_rebalance_event event, const std::vector<TopicPartition> &partitions) {
    if (partitions.empty()) return; // a cooperative rebalance that moved nothing of ours
    if (options_.observer)
        options_.observer->rebalanced(rebalance_kind(event),
                                      partitions.size());
    if (event == SS_REBALANCE_ASSIGN) {
        for (const auto &tp : partitions) {
            owned_.insert(tp);
            fresh_.insert(tp);
        }
        if (listener_) listener_->assigned(partitions);
        say(LogLevel::Info, fmt::format("group {}: assigned {} (now {} partitions)", options_.group, names(partitions),
                                        owned_.size()));
        return;
    }
    const bool lost = event == SS_REBALANCE_LOST;
    if (listener_) listener_->leaving(partitions, lost);
    for (const auto &tp : partitions) {
        owned_.erase(tp);
        fresh_.erase(tp);
        released_.insert(tp);
    }
    say(lost ? LogLevel::Warn : LogLevel::Info,
        fmt::format("group {}: {} {} (now {} partitions)", options_.group,
                    lost ? "lost (session expired or fenced)" : "revoked", names(partitions), owned_.size()));
}

Result<Ownership::Assignment> GroupOwnership::assignment(const ListPartitions &) {
    Assignment out;
    out.partitions.assign(owned_.begin(), owned_.end());
    out.fresh.assign(fresh_.begin(), fresh_.end());
    out.released.assign(released_.begin(), released_.end());
    fresh_.clear();
    released_.clear();
    return out;
}

Status GroupOwnership::serve(std::chrono::milliseconds timeout) {
    auto outcome = member_.serve_group(timeout);
    if (!callback_status_) return callback_status_;
    if (outcome.status == SS_OK || outcome.status == SS_ERR_INTERRUPTED) return ok_status();
    if (outcome.status == SS_ERR_FENCED)
        return Error(ErrorKind::Kafka, "this instance was fenced out of consumer group " + options_.group + ": " +
                                           outcome.error.what,
                     options_.instance,
                     "give every instance its own kafka.group.instance.id; two running processes must never share one");
    return outcome.error;
}

Result<bool> GroupOwnership::wait_until(Clock::time_point deadline) {
    do {
        if (stop_.requested()) return true;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (auto st = serve(std::clamp(left, std::chrono::milliseconds(0), kServeSlice)); !st) return st.error();
    } while (Clock::now() < deadline);
    return stop_.requested();
}

} // namespace streamsubmit::runtime
