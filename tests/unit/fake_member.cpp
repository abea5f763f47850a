// The fake's group member (ss_member_api): join_group records the rebalance callback; serve
// delivers the group's next scripted event by calling it from inside serve, as the real plugin
// does; commits with metadata are recorded, or refused as scripted (SS_ERR_FENCED).
#include "fake_source.h"

#include <algorithm>

namespace streamsubmit::test::fake {
namespace {

FakeSourceState &state_of(ss_source *src) { return *handle_of(src).state; }

// serve() waits at most this long for an event: a test's waits stay short whatever the host asks.
constexpr std::chrono::milliseconds kLongestServe{5};

ss_status join_group(ss_source *src, const char *const *topics, size_t topic_count, ss_rebalance_fn on_rebalance,
                     void *ctx, ss_error *err) {
    auto &s = state_of(src);
    std::lock_guard lock(s.mutex);
    if (const ss_status st = next_status(s, "join_group", err); st != SS_OK) return st;
    s.group.topics.assign(topics, topics + topic_count);
    s.group.on_rebalance = on_rebalance;
    s.group.rebalance_ctx = ctx;
    return SS_OK;
}

ss_status serve(ss_source *src, int timeout_ms, ss_error *err) {
    auto &h = handle_of(src);
    auto &s = *h.state;
    std::unique_lock lock(s.mutex);
    h.interrupted = false;
    if (const ss_status st = next_status(s, "serve", err); st != SS_OK) return st;
    const auto wait = std::min(std::chrono::milliseconds(std::max(timeout_ms, 0)), kLongestServe);
    s.changed.wait_for(lock, wait, [&] { return !s.group.events.empty() || h.interrupted; });
    if (h.interrupted) {
        h.interrupted = false;
        return ss_error_set(err, SS_ERR_INTERRUPTED, "fake: serve interrupted");
    }
    if (s.group.events.empty() || !s.group.on_rebalance) return SS_OK;
    const FakeGroupEvent event = std::move(s.group.events.front());
    s.group.events.pop_front();
    s.calls.push_back(event.event == SS_REBALANCE_ASSIGN   ? "assign"
                      : event.event == SS_REBALANCE_REVOKE ? "revoke"
                                                           : "lost");
    const auto fn = s.group.on_rebalance;
    void *const ctx = s.group.rebalance_ctx;
    lock.unlock(); // the host commits (or aborts) inside the callback, through this same table
    std::vector<ss_topic_partition> parts;
    for (const auto &tp : event.partitions) parts.push_back({tp.topic.c_str(), tp.partition, -1});
    fn(ctx, event.event, parts.data(), parts.size(), sizeof(ss_topic_partition));
    return SS_OK;
}

ss_status committed_offsets(ss_source *src, ss_topic_partition *parts, size_t count, size_t stride, int,
                            ss_error *err) {
    auto &s = state_of(src);
    std::lock_guard lock(s.mutex);
    if (const ss_status st = next_status(s, "committed_offsets", err); st != SS_OK) return st;
    for (size_t i = 0; i < count; ++i) {
        auto *p = ss_at(ss_topic_partition, parts, stride, i);
        const auto it = s.group.committed.find({p->topic, p->partition});
        p->offset = it == s.group.committed.end() ? -1 : it->second;
    }
    return SS_OK;
}

ss_status commit_offsets(ss_source *src, const ss_topic_partition *offsets, size_t count, size_t stride,
                         const char *metadata, ss_error *err) {
    auto &s = state_of(src);
    std::lock_guard lock(s.mutex);
    if (const ss_status st = next_status(s, "group_commit " + std::to_string(count), err); st != SS_OK) return st;
    FakeGroupCommit commit{{}, metadata ? metadata : ""};
    for (size_t i = 0; i < count; ++i) {
        const auto *p = ss_const_at(ss_topic_partition, offsets, stride, i);
        commit.offsets[{p->topic, p->partition}] = p->offset;
        s.group.committed[{p->topic, p->partition}] = p->offset;
    }
    s.group.commits.push_back(std::move(commit));
    return SS_OK;
}

ss_status group_metadata(ss_source *src, void *buf, size_t capacity, size_t *size, ss_error *err) {
    auto &s = state_of(src);
    std::lock_guard lock(s.mutex);
    if (const ss_status st = next_status(s, "group_metadata", err); st != SS_OK) return st;
    *size = s.group.metadata.size();
    if (buf) std::copy_n(s.group.metadata.data(), std::min(capacity, s.group.metadata.size()), static_cast<char *>(buf));
    return SS_OK;
}

} // namespace

const ss_member_api kMember = {sizeof(ss_member_api), join_group, serve, committed_offsets, commit_offsets,
                               group_metadata};

} // namespace streamsubmit::test::fake
