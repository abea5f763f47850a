// Reads one batch's ranges with N source instances in N threads (--master local[N]).
// A partition always goes to the same instance, so its connection and fetch state
// are reused from batch to batch.
#pragma once

#include "runtime/plugin/application.h"
#include "runtime/batch/batch_report.h"
#include "runtime/plugin/source.h"

#include <memory>
#include <optional>
#include <vector>

namespace streamsubmit::runtime {

class ParallelReader {
public:
    // `sources` must not be empty.
    explicit ParallelReader(std::vector<std::unique_ptr<Source>> sources) : sources_(std::move(sources)) {}

    struct Outcome {
        std::optional<Error> error; // the root cause of the failure; none when every range was read
        std::vector<RangeReport> ranges; // same order as the input
        double process_ms = 0;           // in the application, on the reader thread that spent most there
    };
    // With an application, each reader hands its records to application->process (batch's
    // ranges are `ranges`, same order) and finishes each of its ranges after its last record.
    Outcome read(const std::vector<OffsetRange> &ranges, Application *application = nullptr,
                 const ApplicationBatch *batch = nullptr);

    void interrupt(); // thread-safe
    size_t size() const { return sources_.size(); }
    // The first source doubles as the job's control connection (metadata, offsets, commits):
    // those calls happen between batches, and the first reader runs on the calling thread,
    // so one handle serves both and the job opens one connection fewer.
    Source &primary() { return *sources_.front(); }

private:
    std::vector<std::unique_ptr<Source>> sources_;
};

} // namespace streamsubmit::runtime
