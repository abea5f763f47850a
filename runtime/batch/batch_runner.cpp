#include "runtime/batch/batch_runner.h"

#include "runtime/core/stop_signal.h"

#include <algorithm>

namespace streamsubmit::runtime {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

} // namespace

BatchRunner::BatchRunner(BatchRunnerOptions options, ProgressStore &progress, BatchApplication *application,
                         BatchOutput output, Diagnostics diagnostics)
    : options_(std::move(options)), progress_(progress), application_(application), output_(std::move(output)),
      diagnostics_(std::move(diagnostics)), rate_(options_.backpressure, options_.batch_interval),
      started_(Clock::now()) {}

Result<BatchEnd> BatchRunner::run(const BatchRecord &batch, BatchInput &input, const BatchTiming &timing) {
    const BatchInFlight in_flight; // what the first SIGINT/SIGTERM says it waits for
    std::optional<BatchReport> report;
    auto end = run_batch(batch, input, timing, report);
    if (options_.observer) {
        const auto outcome = !end                           ? BatchOutcome::Failed
                             : *end == BatchEnd::Completed ? BatchOutcome::Committed
                                                           : BatchOutcome::Aborted;
        options_.observer->batch_ended(
            {batch, report ? &*report : nullptr, outcome, timing.replayed, application_ != nullptr});
    }
    return end;
}

Result<int64_t> BatchRunner::settle_rejections(const ApplicationBatch &batch) {
    if (auto refused = batch.rejections().refusal()) return *refused;
    const auto rejected = batch.rejections().take();
    if (rejected.empty()) return int64_t{0};
    if (options_.dead_letters) {
        if (auto st = options_.dead_letters->write(batch, rejected); !st) return st.error();
        announce_dead_letters(options_.test_hooks, batch.id(), rejected.size(), diagnostics_);
    }
    return static_cast<int64_t>(rejected.size());
}

Result<BatchEnd> BatchRunner::run_batch(const BatchRecord &batch, BatchInput &input, const BatchTiming &timing,
                                        std::optional<BatchReport> &out) {
    if (auto st = progress_.planned(batch); !st) return st.error();

    std::optional<ApplicationBatch> app_batch;
    if (application_) {
        app_batch.emplace(batch.id, batch.time_ms, options_.mode, batch.ranges);
        // Taken now, with the partitions the batch was planned from: a rebalance from here on
        // makes the group refuse the batch's offsets to a transactional sink (KIP-447). A
        // member that owns nothing yet has no generation (and librdkafka cannot read back the
        // metadata it writes then): nothing to send.
        auto metadata = batch.ranges.empty() ? Result<std::string>(std::string()) : input.group_metadata();
        if (!metadata) return metadata.error();
        app_batch->set_group_metadata(std::move(*metadata));
    }
    auto read = input.read(app_batch ? &*app_batch : nullptr);
    if (!read) {
        if (app_batch) application_->abort(*app_batch);
        return read.error();
    }
    BatchDurations durations = timing.durations;
    durations.read_ms = read->read_ms;
    int64_t rejected = 0;
    // Before the progress says complete: the output is durable when the batch is.
    if (app_batch) {
        auto settled = settle_rejections(*app_batch);
        if (!settled) {
            if (options_.dead_letters) options_.dead_letters->abort(*app_batch);
            application_->abort(*app_batch);
            return settled.error();
        }
        rejected = *settled;
        int64_t records = 0;
        for (const auto &r : read->ranges) records += r.records;
        pause_before_commit(options_.test_hooks, batch.id, records, diagnostics_);
        const auto commit_start = Clock::now();
        if (auto st = application_->commit(*app_batch); !st) {
            if (options_.dead_letters) options_.dead_letters->abort(*app_batch);
            application_->abort(*app_batch);
            if (st.error().cause != Cause::Rebalanced || !progress_.abandon(batch, st.error().what)) return st.error();
            return BatchEnd::Abandoned;
        }
        durations.commit_ms = ms_since(commit_start);
        durations.process_ms = read->process_ms;
    }

    const auto output_start = Clock::now();
    BatchReport &report = out.emplace();
    report.id = batch.id;
    report.time_ms = batch.time_ms;
    report.mode = options_.mode;
    report.ranges = std::move(read->ranges);
    report.rejected = rejected;
    durations.output_ms = ms_since(output_start);
    report.durations = durations;
    report.rate_limit = timing.rate;
    const auto delay =
        std::chrono::duration_cast<std::chrono::milliseconds>(timing.started - timing.due.value_or(timing.started));
    report.scheduling_delay_ms = static_cast<double>(std::max<int64_t>(0, delay.count()));
    // Everything the batch held the driver for: the next batch cannot start earlier, so this
    // is what the estimator must fit in an interval.
    report.processing_ms = ms_since(timing.started);
    if (auto st = output_(report); !st) return st.error();
    pause_before_complete(options_.test_hooks, batch.id, diagnostics_);
    if (timing.due)
        rate_.on_batch_completed({std::chrono::duration_cast<std::chrono::milliseconds>(*timing.due - started_).count(),
                                  report.records(), static_cast<int64_t>(report.processing_ms),
                                  std::max<int64_t>(0, delay.count())});

    auto committed = progress_.completed(batch);
    if (!committed) return committed.error();
    return *committed ? BatchEnd::Completed : BatchEnd::Abandoned;
}

} // namespace streamsubmit::runtime
