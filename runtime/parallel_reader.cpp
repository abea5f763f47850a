#include "runtime/parallel_reader.h"

#include <functional>
#include <thread>

namespace streamsubmit::runtime {
namespace {

struct WorkerState {
    std::vector<OffsetRange> ranges;
    std::vector<size_t> report_index; // position of each of `ranges` in the batch
    std::vector<RangeReport> *reports = nullptr;
    Source::ReadOutcome outcome;
};

int count_records(void *ctx, const ss_record *records, size_t count) {
    auto &state = *static_cast<WorkerState *>(ctx);
    for (size_t i = 0; i < count; ++i) {
        auto &report = (*state.reports)[state.report_index[records[i].range_index]];
        ++report.records;
        report.bytes += static_cast<int64_t>(records[i].key_len + records[i].value_len);
    }
    return 0;
}

} // namespace

ParallelReader::Outcome ParallelReader::read(const std::vector<OffsetRange> &ranges) {
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
    auto run = [this, &workers, &out](size_t w) {
        auto &state = workers[w];
        state.reports = &out.ranges;
        state.outcome = sources_[w]->read_ranges(state.ranges, &count_records, &state);
        if (state.outcome.status != SS_OK)
            for (auto &s : sources_) s->interrupt(); // the batch has failed; stop the others early
    };
    std::vector<std::jthread> threads;
    for (size_t w = 1; w < workers.size(); ++w)
        if (!workers[w].ranges.empty()) threads.emplace_back(run, w);
    if (!workers[0].ranges.empty()) run(0);
    threads.clear(); // joins
    // Report the root cause, not the interruption it caused in the other workers.
    for (const auto &state : workers)
        if (state.outcome.status != SS_OK && (out.status == SS_OK || out.status == SS_ERR_INTERRUPTED)) {
            out.status = state.outcome.status;
            out.error = state.outcome.error;
        }
    return out;
}

void ParallelReader::interrupt() {
    for (auto &s : sources_) s->interrupt();
}

} // namespace streamsubmit::runtime
