// One source-connector instance behind the C ABI, with C++ types and Error values.
#pragma once

#include "common/error.h"
#include "runtime/diagnostics.h"
#include "runtime/offset_range.h"
#include "runtime/plugin_loader.h"

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace streamsubmit::runtime {

using ConnectorConf = std::vector<std::pair<std::string, std::string>>;

// The ss_log_fn the host hands to plugins; ctx is a const Diagnostics *. Never throws.
void log_from_plugin(void *ctx, ss_log_level level, const char *message) noexcept;

// Converts a plugin status into an Error with a hint for the user and the status's Cause.
Error source_error(ss_status status, const ss_error &err);

class Source {
public:
    static Result<std::unique_ptr<Source>> create(PluginPtr plugin, const ConnectorConf &conf,
                                                  Diagnostics diagnostics);
    ~Source();
    Source(const Source &) = delete;
    Source &operator=(const Source &) = delete;

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
    ReadOutcome read_ranges(const std::vector<OffsetRange> &ranges, ss_records_fn fn, void *ctx);

    Status commit_offsets(const OffsetMap &offsets);
    void interrupt();

    // Receiver mode: joins kafka.group.id; `on_rebalance` runs on the polling thread, inside poll().
    Status subscribe(const std::vector<std::string> &topics, ss_rebalance_fn on_rebalance, void *ctx);
    // Delivers at most max_records that have arrived, or returns after `timeout`.
    ReadOutcome poll(std::chrono::milliseconds timeout, size_t max_records, ss_records_fn fn, void *ctx);
    // Only from inside on_rebalance(ASSIGN): those partitions start at the given offsets
    // instead of the group's committed ones (ABI 1.5; PluginLoad error for an older plugin).
    Status start_assigned_at(const OffsetMap &positions);
    Status pause(const std::vector<TopicPartition> &partitions);
    Status resume(const std::vector<TopicPartition> &partitions);

    // ---- group-coordinated direct mode (ABI 1.1) ----
    // False for a plugin built against ABI 1.0: it has none of the calls below.
    bool supports_groups() const;
    // Joins kafka.group.id to learn this process's partitions (never fetches); `on_rebalance`
    // runs on the calling thread, inside poll().
    Status join_group(const std::vector<std::string> &topics, ss_rebalance_fn on_rebalance, void *ctx);
    // The group's committed offsets; partitions it never committed are absent.
    Result<OffsetMap> committed_offsets(const std::vector<TopicPartition> &partitions,
                                        std::chrono::milliseconds timeout);
    // Commits with `metadata` on every partition; Cause::Fenced when the member no longer
    // owns a partition.
    Status commit_offsets(const OffsetMap &offsets, const std::string &metadata);
    // rd_kafka_consumer_group_metadata_write's bytes, for a transactional sink.
    Result<std::string> group_metadata();

private:
    Source(PluginPtr plugin, ss_source *handle, std::unique_ptr<Diagnostics> diagnostics)
        : plugin_(std::move(plugin)), api_(plugin_->source_api()), handle_(handle),
          diagnostics_(std::move(diagnostics)) {
        adapter_.plugin_minor = plugin_->descriptor().abi_minor;
    }

    PluginPtr plugin_;
    const ss_source_api *api_;
    ss_source *handle_;
    std::unique_ptr<Diagnostics> diagnostics_; // stable address: the plugin holds it as log_ctx

    // Converts a plugin's records to this host's layout when they differ (a 1.0 plugin's lack
    // the 1.1 fields; a newer plugin's are bigger). One per source: one thread reads at a time.
    struct RecordAdapter {
        ss_records_fn fn = nullptr;
        void *ctx = nullptr;
        uint16_t plugin_minor = 0;
        std::vector<ss_record> converted;
    };
    RecordAdapter adapter_;
    static int adapt_records(void *ctx, const ss_record *records, size_t count) noexcept;

    Error fail(ss_status status, const ss_error &err) { return source_error(status, err); }
};

} // namespace streamsubmit::runtime
