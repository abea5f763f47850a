// The exec sink: each batch's records (or each partition range's, with per=partition) go on
// the stdin of a shell command; exit status 0 commits the batch, anything else fails it after
// `retries` more attempts, and the host then stops the job with the batch left planned, so a
// restart re-runs it with the same id, ranges and records. At-least-once: the command gets the
// batch id (STREAMSUBMIT_BATCH_ID) and the ranges (STREAMSUBMIT_RANGES) to deduplicate with.
// Records are buffered in unlinked temporary files (in $TMPDIR) while the batch is read, so a
// large batch costs disk, not memory.
#pragma once

#include "sink_support.h"

#include <streamsubmit/plugin.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace streamsubmit::sinks {

struct ExecSinkOptions {
    std::string command;
    bool per_partition = false; // one run per partition range instead of one per batch
    RecordFormat format;
    int retries = 2;            // further attempts after a failed run
    std::string temp_dir;       // where the records wait for the command ($TMPDIR or /tmp)
    HostLog log;                // for the retry warnings
};

class ExecSink {
public:
    explicit ExecSink(ExecSinkOptions options);
    ~ExecSink();
    ExecSink(const ExecSink &) = delete;
    ExecSink &operator=(const ExecSink &) = delete;

    SinkError process(const ss_batch &batch, const ss_offset_range &range, const ss_record *records, size_t count,
                      size_t stride);
    SinkError finish_range(const ss_batch &batch, const ss_offset_range &range);
    SinkError commit(const ss_batch &batch);
    void abort(const ss_batch &batch);

private:
    struct RangeBuffer;
    using BatchBuffers = std::vector<std::unique_ptr<RangeBuffer>>; // by range index; null: no record

    RangeBuffer *buffer(const ss_batch &batch, const ss_offset_range &range, bool create, SinkError &error);
    BatchBuffers take(int64_t batch_id);
    // Runs the command, and again up to `retries` times, while it fails.
    SinkError run(const std::vector<std::pair<std::string, std::string>> &environment, const std::vector<int> &inputs,
                  const std::string &what);
    void warn(const std::string &message) const;

    ExecSinkOptions options_;
    std::mutex mutex_; // guards batches_; a range's buffer belongs to the reader thread processing it
    std::map<int64_t, BatchBuffers> batches_;
};

} // namespace streamsubmit::sinks
