// An in-process source connector behind the real C table (ABI 2.0), without a broker or a
// shared object: tests wrap it in a runtime::Plugin and drive the host's Source, so the
// conversions and checks of the boundary run as they do against streamsubmit-kafka.so.
// The direct table is fake_source.cpp, the group member's (ss_member_api) fake_member.cpp.
#pragma once

#include "runtime/core/offset_range.h"
#include "runtime/plugin/plugin_loader.h"

#include <streamsubmit/plugin.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace streamsubmit::test {

// One rebalance event the fake group delivers from inside serve().
struct FakeGroupEvent {
    ss_rebalance_event event = SS_REBALANCE_ASSIGN;
    std::vector<runtime::TopicPartition> partitions;
};

// One commit the fake group accepted.
struct FakeGroupCommit {
    runtime::OffsetMap offsets;
    std::string metadata;
};

// The consumer group as the fake member sees it.
struct FakeGroup {
    std::deque<FakeGroupEvent> events; // serve() delivers the front one, one per call
    runtime::OffsetMap committed;      // committed_offsets answers these; an accepted commit updates them
    std::vector<FakeGroupCommit> commits; // every commit the group accepted, in order
    std::string metadata = "fake-generation-1"; // group_metadata's bytes
    std::vector<std::string> topics;            // what join_group was given
    ss_rebalance_fn on_rebalance = nullptr;     // recorded by join_group
    void *rebalance_ctx = nullptr;
};

// What the fake serves and what it saw. One per test; every source made from the plugin
// shares it (reader threads too: every field is under `mutex` while a source runs).
struct FakeSourceState {
    // Every partition has offsets [earliest, end); read_ranges delivers each offset of a range
    // and fails with SS_ERR_OFFSET_OUT_OF_RANGE for a range that starts below earliest.
    int32_t partitions = 2;
    int64_t earliest = 0;
    int64_t end = 10;
    // Records are handed over with this stride and struct_size (a newer plugin's are bigger).
    size_t record_stride = sizeof(ss_record);
    uint32_t record_struct_size = sizeof(ss_record);
    // The next calls fail with these statuses, in order, whatever the call (SS_OK: succeed).
    std::vector<ss_status> failures;
    // The next calls of one name ("read_ranges", "serve", "group_commit", ...) fail with
    // these, in order (SS_OK: succeed); taken after `failures`.
    std::map<std::string, std::deque<ss_status>> script;
    // Called with each call's name as it starts, under `mutex`: a test changes the state at
    // the moment a call happens (retention moves earliest, the log grows).
    std::function<void(const std::string &call)> on_call;
    std::vector<std::string> calls; // "read_ranges 2", "commit 1", "serve", ...
    std::vector<runtime::OffsetRange> reads; // every range a read_ranges call was given
    int32_t close_timeout_ms = -1;  // from ss_source_params
    uint16_t host_abi_major = 0;

    // Blocking reads: while `block_reads` is set, read_ranges waits (after its scripted
    // status) until it is cleared, its source is interrupted (SS_ERR_INTERRUPTED, the real
    // plugin's contract), or fail_blocked_read() names one of its partitions.
    bool block_reads = false;
    int blocked_reads = 0; // reads waiting now
    std::map<int32_t, ss_status> blocked_read_failures; // partition -> the status its read returns

    FakeGroup group; // the member's (fake_member.cpp)

    std::mutex mutex;
    std::condition_variable changed; // notified whenever a read blocks, an event or interrupt arrives

    // Waits until `done()` (called under `mutex`) holds; false after `timeout`.
    bool wait_for(const std::function<bool()> &done, std::chrono::milliseconds timeout = std::chrono::seconds(5));
    void release_reads();                                     // clears block_reads
    void fail_blocked_read(int32_t partition, ss_status status); // that partition's blocked read fails
    void push_event(ss_rebalance_event event, std::vector<runtime::TopicPartition> partitions);
};

struct FakeSourceOptions {
    bool direct = true;
    bool consumer = false;
    bool member = false;
};

// A plugin whose descriptor lives in this process; `state` must outlive every Source made from it.
runtime::PluginPtr fake_source_plugin(FakeSourceState &state, FakeSourceOptions options = {});

// ---- shared by fake_source.cpp and fake_member.cpp ----
namespace fake {

// The handle create returns: one per Source, sharing the test's state.
struct Handle {
    FakeSourceState *state;
    bool interrupted = false; // under state->mutex; cleared as a blocking call begins
};

Handle &handle_of(ss_source *src);
// Records the call, runs on_call and returns its scripted status (with the message in err).
// Called with state.mutex held.
ss_status next_status(FakeSourceState &s, const std::string &call, ss_error *err);

extern const ss_member_api kMember;

} // namespace fake

} // namespace streamsubmit::test
