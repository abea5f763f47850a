#include "runtime/direct/parallel_reader.h"

#include "common/guarded.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <thread>

namespace streamsubmit::runtime {
namespace {

using Clock = std::chrono::steady_clock;

struct WorkerState {
    std::vector<OffsetRange> ranges;
    std::vector<size_t> report_index; // position of each of `ranges` in the batch
    std::vector<RangeReport> *reports = nullptr;
    Application *application = nullptr;
    const ApplicationBatch *batch = nullptr;
    Source::ReadOutcome outcome;
    std::optional<Error> application_error; // stops the read; the root cause of the batch's failure
    Clock::duration in_application{};
};

bool hand_over(WorkerState &state, size_t batch_range, const ss_record *records, size_t count) noexcept {
    const auto start = Clock::now();
    const Status st = run_guarded("handing records to the application", [&] {
        return state.application->process(*state.batch, batch_range, records, count);
    });
    state.in_application += Clock::now() - start;
    if (st) return true;
    state.application_error = st.error();
    return false;
}

// The plugin's record callback: counts, and hands each run of one range's records to the application.
int take_records(void *ctx, const ss_record *records, size_t count) noexcept {
    auto &state = *static_cast<WorkerState *>(ctx);
    // Records are in this host's layout: Source converted them from the plugin's stride.
    size_t run_start = 0;
    for (size_t i = 0; i < count; ++i) {
        const ss_record &r = records[i];
        const size_t batch_range = state.report_index[r.range_index];
        auto &report = (*state.reports)[batch_range];
        ++report.records;
        report.bytes += static_cast<int64_t>(r.key_len + r.value_len);
        report.last_timestamp_ms = r.timestamp_ms;
        if (!state.application) continue;
        const bool run_ends = i + 1 == count || records[i + 1].range_index != r.range_index;
        if (run_ends) {
            if (!hand_over(state, batch_range, records + run_start, i + 1 - run_start)) return 1;
            run_start = i + 1;
        }
    }
    return 0;
}

void finish_ranges(WorkerState &state) {
    const auto start = Clock::now();
    for (const size_t batch_range : state.report_index)
        if (auto st = state.application->finish_range(*state.batch, batch_range); !st) {
            state.application_error = st.error();
            break;
        }
    state.in_application += Clock::now() - start;
}

} // namespace

ParallelReader::Outcome ParallelReader::read(const std::vector<OffsetRange> &ranges, Application *application,
                                             const ApplicationBatch *batch) {
    Outcome out;
    out.ranges.resize(ranges.size());
    std::vector<WorkerState> workers(sources_.size());
    for (size_t i = 0; i < ranges.size(); ++i) {
        out.ranges[i].range = ranges[i];
        if (ranges[i].size() == 0) continue;
        const size_t w =
            (std::hash<std::string>{}(ranges[i].tp.topic) * 31 + static_cast<size_t>(ranges[i].tp.partition)) %
            workers.size();
        workers[w].ranges.push_back(ranges[i]);
        workers[w].report_index.push_back(i);
    }
    auto run = [this, &workers, &out, application, batch](size_t w) {
        auto &state = workers[w];
        state.reports = &out.ranges;
        state.application = batch ? application : nullptr;
        state.batch = batch;
        const Status guarded = run_guarded("reader thread", [&]() -> Status {
            state.outcome = sources_[w]->read_ranges(state.ranges, &take_records, &state);
            if (state.outcome.status == SS_OK && state.application) finish_ranges(state);
            return ok_status();
        });
        if (!guarded) state.outcome = {SS_ERR_INTERNAL, guarded.error()};
        if (state.outcome.status != SS_OK || state.application_error)
            for (auto &s : sources_) s->interrupt(); // the batch has failed; stop the others early
    };
    std::vector<std::jthread> threads;
    for (size_t w = 1; w < workers.size(); ++w)
        if (!workers[w].ranges.empty()) threads.emplace_back(run, w);
    if (!workers[0].ranges.empty()) run(0);
    threads.clear(); // joins
    // Report the root cause, not the interruption it caused in the other workers; an
    // application's failure is the root cause of the interruption it asked for.
    for (const auto &state : workers) {
        out.process_ms = std::max(out.process_ms, std::chrono::duration<double, std::milli>(state.in_application).count());
        if (state.application_error) {
            out.error = *state.application_error;
            return out;
        }
    }
    for (const auto &state : workers)
        if (state.outcome.status != SS_OK && (!out.error || out.error->cause == Cause::Interrupted))
            out.error = state.outcome.error;
    return out;
}

void ParallelReader::interrupt() {
    for (auto &s : sources_) s->interrupt();
}

} // namespace streamsubmit::runtime
