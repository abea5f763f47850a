// One source-connector instance behind the C ABI, with C++ types and Error values.
#pragma once

#include "common/error.h"
#include "runtime/core/diagnostics.h"
#include "runtime/core/offset_range.h"
#include "runtime/plugin/plugin_call.h"
#include "runtime/plugin/plugin_loader.h"
#include "runtime/plugin/record_lease.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace streamsubmit::runtime {

using ConnectorConf = std::vector<std::pair<std::string, std::string>>;

// What the host hands to its own record and rebalance callbacks: arrays in this host's
// layout (records[i] is valid), whatever stride the plugin used. Source converts.
using RecordsFn = int (*)(void *ctx, const ss_record *records, size_t count);
using RebalanceFn = void (*)(void *ctx, ss_rebalance_event event, const ss_topic_partition *partitions,
                             size_t count);

// Settings of the host for every source it creates (ss_source_params' fields).
struct SourceSettings {
    std::chrono::milliseconds close_timeout{10'000};
};



class Source {
public:
    static Result<std::unique_ptr<Source>> create(PluginPtr plugin, const ConnectorConf &conf,
                                                  Diagnostics diagnostics, SourceSettings settings = {});
    ~Source();
    Source(const Source &) = delete;
    Source &operator=(const Source &) = delete;

    // False when the plugin offers no direct reading: it has none of the three calls below.
    bool supports_direct() const;
    Result<std::vector<TopicPartition>> list_partitions(const std::vector<std::string> &topics,
                                                        const std::string &pattern,
                                                        std::chrono::milliseconds timeout);
    Result<WatermarkMap> query_watermarks(const std::vector<TopicPartition> &partitions,
                                          std::chrono::milliseconds timeout);
    // Offsets of the first record at or after timestamp_ms; -1 where there is none.
    Result<OffsetMap> offsets_for_times(const std::vector<TopicPartition> &partitions, int64_t timestamp_ms,
                                        std::chrono::milliseconds timeout);

    // Records reach `fn` in this host's ss_record layout (records[i] is valid), whatever ABI
    // minor the plugin was built for.
    struct ReadOutcome {
        ss_status status = SS_OK;
        Error error;
    };
    ReadOutcome read_ranges(const std::vector<OffsetRange> &ranges, RecordsFn fn, void *ctx);

    Status commit_offsets(const OffsetMap &offsets);
    void interrupt();

    // Receiver mode: joins kafka.group.id; `on_rebalance` runs on the polling thread, inside poll().
    Status subscribe(const std::vector<std::string> &topics, RebalanceFn on_rebalance, void *ctx);
    // Delivers at most max_records that have arrived, or returns after `timeout`.
    ReadOutcome poll(std::chrono::milliseconds timeout, size_t max_records, RecordsFn fn, void *ctx);
    // Only from inside on_rebalance(ASSIGN): those partitions start at the given offsets
    // instead of the group's committed ones (PluginLoad error when the plugin cannot).
    Status start_assigned_at(const OffsetMap &positions);
    Status pause(const std::vector<TopicPartition> &partitions);
    Status resume(const std::vector<TopicPartition> &partitions);

    // ---- streams (ABI 2.1): one consumer's partitions read by several threads ----
    // False when the plugin's consumer cannot route partitions to streams (an ABI 2.0 plugin).
    bool supports_streams() const;
    // Before any poll_stream: the streams 0..count-1 get their own record adapters, so that
    // their threads read in parallel.
    Status use_streams(int count);
    // Only from inside on_rebalance(ASSIGN), on the thread that calls poll(): the partitions'
    // records go to poll_stream(stream) from now on.
    Status route_assigned(const std::vector<TopicPartition> &partitions, int stream);
    // Like poll, for one stream; one thread per stream, concurrently with poll() and the others.
    ReadOutcome poll_stream(int stream, std::chrono::milliseconds timeout, size_t max_records, RecordsFn fn, void *ctx);
    // ABI 2.5: only inside poll_stream(stream)'s record callback, on its thread: keeps that
    // delivery's records (and what they point to) until the lease is destroyed, which must be
    // before this source is. Empty when the connector cannot (an older plugin): copy them.
    RecordLease retain_stream_records(int stream);

    // ---- group-coordinated direct mode (ss_member_api) ----
    // False when the plugin offers no group membership: it has none of the calls below.
    bool supports_groups() const;
    // Joins kafka.group.id to learn this process's partitions (never fetches); `on_rebalance`
    // runs on the calling thread, inside serve_group().
    Status join_group(const std::vector<std::string> &topics, RebalanceFn on_rebalance, void *ctx);
    // The group's committed offsets; partitions it never committed are absent.
    Result<OffsetMap> committed_offsets(const std::vector<TopicPartition> &partitions,
                                        std::chrono::milliseconds timeout);
    // Serves the joined group's events for up to `timeout` (rebalance callbacks run inside).
    ReadOutcome serve_group(std::chrono::milliseconds timeout);
    // Commits with `metadata` on every partition; Cause::Fenced when the member no longer
    // owns a partition.
    Status commit_offsets(const OffsetMap &offsets, const std::string &metadata);
    // rd_kafka_consumer_group_metadata_write's bytes, for a transactional sink.
    Result<std::string> group_metadata();

private:
    Source(PluginPtr plugin, ss_source *handle, std::unique_ptr<Diagnostics> diagnostics,
           std::unique_ptr<ss_host_api> host);

    PluginPtr plugin_;
    const ss_source_api *api_;
    const ss_direct_api *direct_;     // nullptr when not offered
    const ss_consumer_api *consumer_; // nullptr when not offered
    const ss_member_api *member_;     // nullptr when not offered
    ss_source *handle_;
    std::unique_ptr<Diagnostics> diagnostics_; // stable addresses: the plugin keeps the host table
    std::unique_ptr<ss_host_api> host_;
    bool subscribed_ = false; // commits then go through the consumer's table
    // Leases of this source's records not yet released (retain_stream_records); must be 0 at destroy.
    std::shared_ptr<std::atomic<int64_t>> leases_out_ = std::make_shared<std::atomic<int64_t>>(0);

    // Converts a plugin's records to this host's layout when they differ (an older or newer
    // plugin's records are smaller or bigger). One per source: one thread reads at a time.
    struct RecordAdapter {
        RecordsFn fn = nullptr;
        void *ctx = nullptr;
        std::vector<ss_record> converted;
        std::optional<Error> failure; // why the host stopped the call
    };
    RecordAdapter adapter_;
    std::vector<std::unique_ptr<RecordAdapter>> stream_adapters_; // one per stream (use_streams)
    static int adapt_records(void *ctx, const ss_record *records, size_t count, size_t stride) noexcept;
    // Likewise for rebalance events; set by subscribe/join_group, called on the polling thread.
    struct RebalanceAdapter {
        RebalanceFn fn = nullptr;
        void *ctx = nullptr;
        std::vector<ss_topic_partition> converted;
        std::optional<Error> failure; // an event that could not be handed on
    };
    RebalanceAdapter rebalance_;
    static void adapt_rebalance(void *ctx, ss_rebalance_event event, const ss_topic_partition *partitions,
                                size_t count, size_t stride) noexcept;
    Error missing(const char *what) const;
    ReadOutcome outcome(ss_status status, const ss_error &err);

    Error fail(ss_status status, const ss_error &err) const { return source_error(status, err); }
};

} // namespace streamsubmit::runtime
