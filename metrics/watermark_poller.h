// Receiver mode's latest offsets for the lag metrics. Receivers do not ask for the log end (their
// batches say where they are, not how far the log goes), so while the endpoint runs this thread
// asks the brokers for the latest offsets of the partitions the job has read, once per interval,
// on a connection of its own (no group), and hands them to the JobState.
#pragma once

#include "metrics/job_state.h"
#include "runtime/core/diagnostics.h"
#include "runtime/plugin/source.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace streamsubmit::metrics {

class WatermarkPoller {
public:
    // Makes the poller's connection; called again after a failure.
    using SourceFactory = std::function<Result<std::unique_ptr<runtime::Source>>()>;

    WatermarkPoller(JobState &state, SourceFactory sources, std::chrono::milliseconds interval,
                    std::chrono::milliseconds request_timeout, runtime::Diagnostics diagnostics);
    ~WatermarkPoller(); // stops the thread (within one request's timeout)
    WatermarkPoller(const WatermarkPoller &) = delete;
    WatermarkPoller &operator=(const WatermarkPoller &) = delete;

    // One round: query the latest offsets of the JobState's partitions and store them.
    Status poll_once();

private:
    void run();

    JobState &state_;
    SourceFactory sources_;
    std::chrono::milliseconds interval_;
    std::chrono::milliseconds request_timeout_;
    runtime::Diagnostics diagnostics_;
    std::unique_ptr<runtime::Source> source_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_; // last: started once the rest is set
};

} // namespace streamsubmit::metrics
