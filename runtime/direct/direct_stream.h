// The direct consumer: each batch asks Kafka for the latest offsets, plans one
// [from, until) range per partition its Ownership gives it (all, or the group's share),
// and has its BatchRunner read exactly those, output the report and record progress in
// its ProgressStore (its own checkpoint, or a consumer group).
#pragma once

#include "common/error.h"
#include "runtime/batch/batch_application.h"
#include "runtime/batch/batch_planner.h"
#include "runtime/batch/batch_report.h"
#include "runtime/batch/batch_runner.h"
#include "runtime/progress/checkpoint.h"
#include "runtime/core/diagnostics.h"
#include "runtime/backpressure/min_batch_trigger.h"
#include "runtime/progress/ownership.h"
#include "runtime/direct/parallel_reader.h"
#include "runtime/progress/progress_store.h"
#include "runtime/backpressure/rate_controller.h"
#include "runtime/plugin/source.h"
#include "runtime/direct/starting_offsets.h"
#include "runtime/core/stop_signal.h"
#include "runtime/core/test_hooks.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace streamsubmit::runtime {

struct DirectStreamOptions {
    std::vector<std::string> topics; // or:
    std::string topic_pattern;
    RateLimits limits;
    BackpressureSettings backpressure;
    int64_t min_offsets_per_batch = 0; // stream.kafka.minOffsetsPerBatch; 0 = a batch every interval
    std::chrono::milliseconds max_batch_delay{15 * 60 * 1000};
    StartingOffsets start;
    bool fail_on_data_loss = true;
    // For the ProgressStore the job builds (DirectStream itself does not read them).
    bool commit_offsets = false;
    std::optional<std::filesystem::path> checkpoint_dir;
    int keep_batches = 10;
    bool until_latest = false;
    int64_t max_batches = 0; // 0 = no limit
    std::chrono::milliseconds request_timeout{10'000};
    // Receives every record of every batch; not owned, may be null (the job reports ranges only).
    Application *application = nullptr;
    // stream.errors.deadletterqueue.topic: where rejected records go; not owned, may be null.
    DeadLetterQueue *dead_letters = nullptr;
    // A topic the brokers do not know for this long was deleted (a restarting broker does
    // not know its topics for a few seconds): exit 4, or drop it (failOnDataLoss=false, patterns).
    std::chrono::milliseconds missing_topic_timeout{60'000};
    // Pauses for crash tests (a build with STREAMSUBMIT_TEST_HOOKS only).
    TestHooks test_hooks;
    // Told how every batch ended (the metrics endpoint); not owned, may be null.
    BatchObserver *observer = nullptr;
    // --until latest: called after each batch with records done and the total to reach.
    std::function<void(int64_t done, int64_t total)> on_catch_up_progress;
};

class DirectStream {
public:
    DirectStream(DirectStreamOptions options, Source &control, ParallelReader &reader, ProgressStore &progress,
                 Ownership &ownership, BatchOutput output, Diagnostics diagnostics, StopSignal &stop);

    // Runs until --until latest is reached, --max-batches are done, or a stop request.
    Status run();

private:
    Status start();
    Status recover_application(const std::vector<TopicPartition> &partitions, const char *whose);
    Result<std::vector<TopicPartition>> refresh_partitions();
    Result<std::vector<TopicPartition>> list_subscribed();
    Status place(const std::vector<TopicPartition> &gained, const WatermarkMap &wm, bool use_starting_options);
    Result<WatermarkMap> watermarks();
    Status check_data_loss(const WatermarkMap &wm);
    Result<std::optional<BatchRecord>> plan_next();
    // When the batch was due on the interval grid, when it started, and the backpressure
    // rate it was planned with.
    struct Schedule {
        std::chrono::steady_clock::time_point due;
        std::chrono::steady_clock::time_point started;
        std::optional<double> rate;
    };
    Status execute(const BatchRecord &batch, BatchDurations durations, const Schedule &schedule);
    Result<BatchRecord> next_batch(bool &finished);
    Status recover(const Error &error);
    Status on_unknown_topic(const Error &error);
    Result<std::set<std::string>> missing_topics();
    Status note_missing(const std::set<std::string> &missing, const Error *cause);
    void drop_topic(const std::string &topic);
    bool reached_target() const;
    void report_progress() const;
    void warn(std::string_view message) const;
    void info(std::string_view message) const;

    DirectStreamOptions options_;
    Source &control_;
    ParallelReader &reader_;
    ProgressStore &progress_;
    Ownership &ownership_;
    Diagnostics diagnostics_;
    StopSignal &stop_;
    BatchPlanner planner_;
    MinBatchTrigger trigger_;
    std::optional<HostedApplication> application_;
    BatchRunner runner_;

    std::vector<TopicPartition> partitions_;
    OffsetMap positions_;        // next offset to read per partition
    std::optional<OffsetMap> target_; // --until latest: the latest offsets at start
    OffsetMap start_positions_;       // --until latest: where the catch-up began
    std::optional<BatchRecord> pending_; // planned in the checkpoint but not complete: re-run first
    WatermarkMap last_watermarks_;
    int64_t next_id_ = 0;
    std::map<std::string, std::chrono::steady_clock::time_point> missing_since_; // "" = not identified
    double query_ms_ = 0; // broker requests of the batch being planned
    int64_t available_ = 0; // records between the positions and the limits when last planned
};

// "topics=a,b" or "pattern=REGEX": what a checkpoint belongs to.
std::string subscription_id(const DirectStreamOptions &options);


} // namespace streamsubmit::runtime
