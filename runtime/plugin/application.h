// The job's application (a user plugin or a bundled sink) behind the ABI's application
// table: Error values instead of statuses, and the C view of each batch kept stable for
// every call of that batch. Direct and receiver modes drive it the same way:
//   recover (once) -> per batch: process/finish_range per range -> commit, or abort.
#pragma once

#include "common/error.h"
#include "runtime/core/diagnostics.h"
#include "runtime/core/offset_range.h"
#include "runtime/plugin/plugin_loader.h"
#include "runtime/plugin/record_decode.h"
#include "runtime/plugin/rejections.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace streamsubmit::runtime {

// One batch as the application sees it: owns the ranges its ss_batch points to, and the
// records rejected in it (the ss_batch an application hands back to reject leads here).
class ApplicationBatch {
public:
    ApplicationBatch(int64_t id, int64_t time_ms, std::string mode, std::vector<OffsetRange> ranges);
    ApplicationBatch(const ApplicationBatch &) = delete;
    ApplicationBatch &operator=(const ApplicationBatch &) = delete;

    const ss_batch &c() const { return view_.c; }
    int64_t id() const { return view_.c.id; }
    // This host's batch behind an ss_batch a plugin hands back; nullptr when it is not one.
    static ApplicationBatch *of(const ss_batch *batch);
    Rejections &rejections() const { return rejections_; }
    // Group mode: the member's serialized group metadata, kept here for c() to point to.
    void set_group_metadata(std::string metadata);
    const ss_offset_range &range(size_t index) const { return c_ranges_[index]; }
    size_t size() const { return ranges_.size(); }

private:
    std::string mode_;
    std::vector<OffsetRange> ranges_;
    std::vector<ss_offset_range> c_ranges_;
    std::string group_metadata_;
    // Standard layout with the ss_batch first, so the pointer a plugin gets converts back.
    struct View {
        ss_batch c;
        const void *tag;
        ApplicationBatch *owner;
    } view_{};
    mutable Rejections rejections_;
};

// What the host tells an application about itself and the job (ss_app_params).
struct ApplicationSetup {
    using Conf = std::vector<std::pair<std::string, std::string>>;
    Conf conf;                     // its own keys, validated, prefix stripped, defaults filled in
    std::vector<std::string> args; // the words after the primary resource
    int max_parallelism = 1;       // how many reader threads may call process at once
    std::string mode = "direct";
    bool group_coordinated = false;
    std::chrono::milliseconds batch_interval{0};
    Conf source_conf; // the job's connector keys, prefix stripped
    Conf format_conf; // stream.key.format, stream.value.format, schema.registry.*, stream.errors.tolerance (full names)
    RejectPolicy rejects;          // stream.errors.*: what the ss_host_api.reject call answers
    std::string dead_letter_topic; // stream.errors.deadletterqueue.topic; empty: none
    RecordDecodeFn decode;         // ABI 2.3 ss_host_api.decode; empty: both formats are bytes
};

class Application {
public:
    using Conf = ApplicationSetup::Conf;

    static Result<std::unique_ptr<Application>> create(PluginPtr plugin, const ApplicationSetup &setup,
                                                       Diagnostics diagnostics);
    ~Application();
    Application(const Application &) = delete;
    Application &operator=(const Application &) = delete;

    const std::string &name() const { return name_; }

    // Reader threads; never concurrently for one range.
    Status process(const ApplicationBatch &batch, size_t range, const ss_record *records, size_t count);
    Status finish_range(const ApplicationBatch &batch, size_t range);
    // Driver thread. Cause::Rebalanced: the group refused the batch (planned again), not a failure.
    Status commit(const ApplicationBatch &batch);
    void abort(const ApplicationBatch &batch);
    // Where the application says each partition continues; partitions it leaves alone keep
    // their position. Direct mode: once, before the first batch. Receiver mode: on the
    // receiver threads at each assignment (serialised here).
    Result<OffsetMap> recover(const OffsetMap &positions);
    bool has_recover() const { return api_->recover != nullptr; }
    // Driver thread, before commit: the batch's dead letters into the application's output
    // (ABI 2.2 write_dead_letters; only when has_write_dead_letters()).
    Status write_dead_letters(const ApplicationBatch &batch, const std::string &topic, const ss_record *records,
                              size_t count);
    bool has_write_dead_letters() const;

private:
    // What the plugin's reject calls need, at a stable address (the host table points to it).
    struct RejectHost {
        RejectPolicy policy;
        Diagnostics *diagnostics = nullptr;
    };
    Application(PluginPtr plugin, ss_app *handle, std::unique_ptr<Diagnostics> diagnostics,
                std::unique_ptr<RejectHost> reject_host, std::unique_ptr<RecordDecodeFn> decode_host,
                std::unique_ptr<ss_host_api> host);
    static ss_status reject_from_plugin(void *ctx, const ss_batch *batch, const ss_record *record,
                                        ss_reject_stage stage, const char *error_class, const char *reason,
                                        ss_error *err) noexcept;
    Error fail(const char *call, ss_status status, const ss_error &err) const;

    PluginPtr plugin_;
    const ss_application_api *api_;
    ss_app *handle_;
    std::unique_ptr<Diagnostics> diagnostics_; // stable addresses: the plugin keeps the host table
    std::unique_ptr<RejectHost> reject_host_;
    std::unique_ptr<RecordDecodeFn> decode_host_; // what the host table's decode_ctx points to
    std::unique_ptr<ss_host_api> host_;
    std::string name_;
    std::mutex recover_mutex_; // receiver threads may be assigned partitions at the same time
};

} // namespace streamsubmit::runtime
