// Bounds the end of a job: once a stop is requested (SIGINT/SIGTERM) the job has
// stream.stopTimeout to finish its batch and close; once its result is known, closing the
// Kafka handles has the same time. Past it the process leaves anyway: checkpoints are
// replaced by atomic rename and the write-ahead log is fsynced per block, so the batch in
// flight stays "planned" and is re-run by the next start.
#pragma once

#include "common/error.h"
#include "runtime/core/stop_signal.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace streamsubmit::cli {

class StopDeadline {
public:
    StopDeadline(runtime::StopSignal &stop, std::chrono::milliseconds timeout);
    ~StopDeadline();
    StopDeadline(const StopDeadline &) = delete;
    StopDeadline &operator=(const StopDeadline &) = delete;

    // The run ended with `result`; from now on only closing is left. Past the deadline the
    // process reports `result` and exits with its code.
    void run_finished(const Status &result);
    // A --supervise restart: the next run starts with no deadline (unless a stop is pending).
    void run_started();

private:
    void watch();

    runtime::StopSignal &stop_;
    const std::chrono::milliseconds timeout_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool quit_ = false;
    std::optional<Status> result_;
    std::optional<std::chrono::steady_clock::time_point> finished_at_;
    std::thread watcher_;
};

} // namespace streamsubmit::cli
