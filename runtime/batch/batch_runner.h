// Ends a batch the same way in both modes. A mode supplies the batch's records (direct: the
// planned ranges, read by ParallelReader; receiver: the blocks received); here the
// application commits or aborts it, the report is built and output, the backpressure rate
// learns from it, and its progress is recorded:
//   planned -> read (the application processes) -> commit | abort -> output -> completed
#pragma once

#include "common/error.h"
#include "runtime/batch/batch_application.h"
#include "runtime/batch/batch_observer.h"
#include "runtime/batch/batch_report.h"
#include "runtime/batch/dead_letter_queue.h"
#include "runtime/progress/checkpoint.h"
#include "runtime/core/diagnostics.h"
#include "runtime/progress/progress_store.h"
#include "runtime/backpressure/rate_controller.h"
#include "runtime/core/test_hooks.h"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace streamsubmit::runtime {

// Receives each batch's report; an error stops the job before the batch is marked complete.
using BatchOutput = std::function<Status(const BatchReport &)>;

// What a mode supplies: the records of one batch.
class BatchInput {
public:
    virtual ~BatchInput() = default;

    struct Read {
        std::vector<RangeReport> ranges; // the report's, with records, bytes and log end offsets
        double read_ms = 0;              // reading (direct) or receiving (receiver) the records
        double process_ms = 0;           // in the application's process calls
    };
    // Reads the batch's records and, given `batch`, hands them to the application (process,
    // then finish_range, per range). An error fails the batch: the runner aborts it.
    virtual Result<Read> read(const ApplicationBatch *batch) = 0;
    // The group member's metadata for a transactional sink, taken when the batch is planned.
    virtual Result<std::string> group_metadata() { return std::string(); }
};

// When a batch ran, for its report and the backpressure estimator.
struct BatchTiming {
    // When it was due on the interval grid; none for a batch off the grid (closed early,
    // replayed), from which the rate estimator learns nothing.
    std::optional<std::chrono::steady_clock::time_point> due;
    // When it started to hold the driver: the next batch cannot start earlier.
    std::chrono::steady_clock::time_point started;
    std::optional<double> rate; // the backpressure rate it was planned with
    BatchDurations durations;   // the mode's own steps (query, plan)
    bool replayed = false;      // re-run from the write-ahead log after a crash
};

struct BatchRunnerOptions {
    std::string mode; // "direct" or "receiver": in the report and the application's batch
    BackpressureSettings backpressure;
    std::chrono::milliseconds batch_interval{2000};
    TestHooks test_hooks;
    BatchObserver *observer = nullptr; // told how every batch ended; not owned, may be null
    // stream.errors.deadletterqueue.topic: where rejected records go before the commit; not
    // owned, may be null (rejected records are then only counted).
    DeadLetterQueue *dead_letters = nullptr;
};

// How a batch ended without an error.
enum class BatchEnd {
    Completed, // its until offsets are the stored progress
    Abandoned, // refused or aborted by the group: positions stay, the partitions' owner reads it again
};

class BatchRunner {
public:
    // `application` may be null (the job reports ranges only).
    BatchRunner(BatchRunnerOptions options, ProgressStore &progress, BatchApplication *application,
                BatchOutput output, Diagnostics diagnostics);

    // An error: the batch failed (aborted at the application) or its output or progress
    // could not be written; it stays planned.
    Result<BatchEnd> run(const BatchRecord &batch, BatchInput &input, const BatchTiming &timing);

    // The backpressure limit for the next batch; nullopt = unlimited.
    std::optional<double> rate() const { return rate_.rate(); }

private:
    // What the application rejected in the batch: the batch's failure when the job does not
    // tolerate it, else the records produced to the dead-letter topic; returns how many.
    Result<int64_t> settle_rejections(const ApplicationBatch &batch);
    // run() without telling the observer; `report` is set once the batch was output.
    Result<BatchEnd> run_batch(const BatchRecord &batch, BatchInput &input, const BatchTiming &timing,
                               std::optional<BatchReport> &report);

    BatchRunnerOptions options_;
    ProgressStore &progress_;
    BatchApplication *application_;
    BatchOutput output_;
    Diagnostics diagnostics_;
    RateController rate_;
    std::chrono::steady_clock::time_point started_; // batch times for the estimator count from here
};

} // namespace streamsubmit::runtime
