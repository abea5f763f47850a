#include "runtime/receiver/receiver_group.h"

#include "common/guarded.h"

#include "runtime/receiver/assigned_starts.h"
#include "runtime/receiver/partition_spread.h"
#include "runtime/receiver/recover_positions.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

namespace streamsubmit::runtime {
namespace {

// How long one poll of the consumer queue waits: it holds only group events, and a receiver
// released after a revocation waits at most this long.
constexpr std::chrono::milliseconds kServeSlice(100);

} // namespace

ReceiverGroup::ReceiverGroup(std::unique_ptr<Source> source, std::vector<std::string> topic_of_receiver,
                             ReceiverHub &hub, Application *application, std::chrono::milliseconds request_timeout,
                             std::chrono::milliseconds commit_interval, Diagnostics diagnostics,
                             JobObserver *observer, StartLookup start_lookup)
    : source_(std::move(source)), topic_of_receiver_(std::move(topic_of_receiver)), hub_(hub),
      application_(application), request_timeout_(request_timeout), commit_interval_(commit_interval),
      diagnostics_(std::move(diagnostics)), observer_(observer), start_lookup_(start_lookup) {
    for (size_t i = 0; i < topic_of_receiver_.size(); ++i) {
        threads_of_topic_[topic_of_receiver_[i]].push_back(static_cast<int>(i));
        mailboxes_.push_back(std::make_unique<ReceiverMailbox>());
    }
}

Status ReceiverGroup::subscribe() {
    if (auto st = source_->use_streams(static_cast<int>(topic_of_receiver_.size())); !st) return st;
    std::vector<std::string> topics;
    for (const auto &[topic, threads] : threads_of_topic_) topics.push_back(topic);
    return source_->subscribe(topics, &ReceiverGroup::on_rebalance, this);
}

void ReceiverGroup::run() {
    if (auto st = run_guarded("receiver group thread", [this] { return serve(); }); !st) hub_.receiver_failed(st.error());
    release_all();
    if (diagnostics_)
        diagnostics_(LogLevel::Debug,
                     fmt::format("receiver group: committed {} times ({} ms) for the receivers", commits_,
                                 std::chrono::duration_cast<std::chrono::milliseconds>(commit_wait_).count()));
}

Status ReceiverGroup::serve() {
    while (!hub_.finished()) {
        const auto outcome = source_->poll(kServeSlice, 0, &ReceiverGroup::on_records, this);
        release_all(); // the plugin unassigned what the callbacks revoked
        if (callback_error_) return *callback_error_;
        commit_due();
        if (outcome.status == SS_ERR_UNKNOWN_TOPIC) {
            // Reported by the brokers for the whole consumer: each receiver checks its own topic.
            for (auto &m : mailboxes_) m->post_probe();
            std::this_thread::sleep_for(std::chrono::milliseconds(100)); // reported at every fetch: do not spin
        } else if (outcome.status != SS_OK && outcome.status != SS_ERR_INTERRUPTED) {
            if (!outcome.error.retriable) return outcome.error;
            if (diagnostics_) diagnostics_(LogLevel::Warn, "receiver group: " + outcome.error.what + "; retrying");
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    }
    return ok_status();
}

// What the receivers output goes to the group from here, for all of them in one request, at
// most once per block interval (Spark's reliable receiver commits once per stored block). Made
// by each receiver, a commit stopped that receiver for a round trip to the coordinator while its
// records queued up (10 M x 100 B, T:2, on a loaded machine: ~30 commits and 100-190 ms per
// thread of a 6 s run), and T:N made N commits per interval. A revocation and the stop are
// still committed by the receivers themselves, at once (Receiver::commit_posted).
void ReceiverGroup::commit_due() {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_commit_) return;
    auto turn = hub_.commit_turn();
    const OffsetMap offsets = hub_.take_all_commits();
    if (offsets.empty()) return; // after a quiet spell the next commit goes out at once
    next_commit_ = now + commit_interval_;
    ++commits_;
    const auto st = source_->commit_offsets(offsets);
    commit_wait_ += std::chrono::steady_clock::now() - now;
    if (!st && diagnostics_)
        diagnostics_(LogLevel::Warn, "receiver group: " + ReceiverHub::commit_failed_warning(st.error()));
}

// Every partition is routed to a stream before it is fetched: a record here is a bug.
int ReceiverGroup::on_records(void *ctx, const ss_record *records, size_t count) noexcept {
    auto &self = *static_cast<ReceiverGroup *>(ctx);
    if (!self.callback_error_)
        self.callback_error_ = Error(ErrorKind::Runtime,
                                     fmt::format("{} records of a partition that no receiver thread reads", count),
                                     count > 0 && records[0].topic ? to_string(TopicPartition{records[0].topic, records[0].partition})
                                                                   : std::string(),
                                     "report this as a bug of streamsubmit");
    return 1;
}

void ReceiverGroup::on_rebalance(void *ctx, ss_rebalance_event event, const ss_topic_partition *parts,
                                 size_t count) noexcept {
    auto &self = *static_cast<ReceiverGroup *>(ctx);
    const Status st = run_guarded("receiver group rebalance", [&]() -> Status {
        self.release_all(); // an earlier callback of this poll: its partitions are unassigned by now
        std::vector<TopicPartition> tps;
        for (size_t i = 0; i < count; ++i) tps.push_back({parts[i].topic, parts[i].partition});
        if (self.observer_) self.observer_->rebalanced(rebalance_kind(event), tps.size());
        if (event == SS_REBALANCE_ASSIGN) return self.assign(tps);
        self.revoke(tps);
        return ok_status();
    });
    if (!st && !self.callback_error_) self.callback_error_ = st.error();
}

Status ReceiverGroup::assign(const std::vector<TopicPartition> &partitions) {
    std::map<int, size_t> held;
    for (const auto &[tp, receiver] : owner_) ++held[receiver];
    const auto spread = spread_partitions(partitions, threads_of_topic_, held);
    OffsetMap moved; // by the application's recover
    for (const auto &[receiver, tps] : spread) {
        if (auto st = source_->route_assigned(tps, receiver); !st) return st;
        const std::string who = fmt::format("receiver {} ({})", receiver, topic_of_receiver_[static_cast<size_t>(receiver)]);
        auto by_app = start_where_the_application_says(*source_, application_, tps, request_timeout_, diagnostics_, who);
        if (!by_app) return by_app.error();
        moved.insert(by_app->begin(), by_app->end());
        for (const auto &tp : tps) owner_[tp] = receiver;
    }
    const OffsetMap starts = starts_of(partitions, moved); // one lookup for all: the streams wait for it
    if (auto st = pause_ended_at_start(starts); !st) return st;
    for (const auto &[receiver, tps] : spread) {
        OffsetMap own;
        for (const auto &tp : tps)
            if (const auto it = starts.find(tp); it != starts.end()) own.insert(*it);
        mailboxes_[static_cast<size_t>(receiver)]->post_assigned(tps, std::move(own));
    }
    // A receiver takes its new partitions between polls: those in a poll are woken. One whose
    // partitions all start at their end (paused above) gets no record that ends its poll, and
    // waited out its timeout, a block interval, before --until latest could finish (2 runs in 12).
    source_->interrupt();
    return ok_status();
}

OffsetMap ReceiverGroup::starts_of(const std::vector<TopicPartition> &partitions, const OffsetMap &moved) {
    if (!start_lookup_.enabled) return {};
    auto starts = assigned_starts(*source_, partitions, moved, start_lookup_.from_earliest, request_timeout_);
    if (starts) return std::move(*starts);
    // Not fatal: a partition that brings no record then counts as done once it idled long enough.
    if (diagnostics_)
        diagnostics_(LogLevel::Warn, fmt::format("receiver group: could not look up where new partitions start ({}); "
                                                 "one already at its --until latest end is taken as done after idling",
                                                 starts.error().what));
    return {};
}

// Paused inside ASSIGN, a stream's partition is never given to its thread's consumer (plugin.h,
// pause). Given one already at its end, that consumer's first fetch could be one the broker holds
// for fetch.wait.max.ms (100 ms) because it has no records, and the fetches of its other
// partitions waited behind it: the first records of a 4-partition topic with 2 empty partitions
// came ~90 ms late in 1 run of 4 (receiver T:2). The receivers still pause it themselves when
// their mailbox tells them where it starts.
Status ReceiverGroup::pause_ended_at_start(const OffsetMap &starts) {
    if (starts.empty()) return ok_status();
    const std::vector<TopicPartition> ended = hub_.at_end(starts, request_timeout_);
    return ended.empty() ? ok_status() : source_->pause(ended);
}

void ReceiverGroup::revoke(const std::vector<TopicPartition> &partitions) {
    std::map<int, std::vector<TopicPartition>> by_receiver;
    for (const auto &tp : partitions)
        if (const auto it = owner_.find(tp); it != owner_.end()) {
            by_receiver[it->second].push_back(tp);
            owner_.erase(it);
        }
    // Each receiver finishes its own blocks, all of them at once; the callback returns (and the
    // plugin unassigns) only when every one is done.
    for (auto &[receiver, tps] : by_receiver) mailboxes_[static_cast<size_t>(receiver)]->post_revoke(tps);
    // A receiver reads its mailbox between polls: one in a poll that brings nothing (its
    // partitions at their end) waited out its timeout, up to a block interval, and the whole
    // group's rebalance waited with it.
    if (!by_receiver.empty()) source_->interrupt();
    const auto since = std::chrono::steady_clock::now();
    for (const auto &[receiver, tps] : by_receiver) mailboxes_[static_cast<size_t>(receiver)]->wait_revoked();
    // The group's rebalance waits for this member's callback: how long it held it.
    const auto held = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since);
    if (diagnostics_ && !by_receiver.empty())
        diagnostics_(LogLevel::Debug, fmt::format("receiver group: {} threads finished the revoked partitions in {} ms",
                                                  by_receiver.size(), held.count()));
}

void ReceiverGroup::release_all() {
    for (auto &m : mailboxes_) m->release();
}

} // namespace streamsubmit::runtime
