// A stop request that waits can observe: the first SIGINT/SIGTERM asks the job to
// finish the batch in flight and stop; the second stops the process at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace streamsubmit::runtime {

class StopSignal {
public:
    void request();
    bool requested() const { return requested_.load(); }
    // Sleeps until `deadline` or a stop request; returns true when stopped.
    bool wait_until(std::chrono::steady_clock::time_point deadline);

private:
    std::atomic<bool> requested_{false};
    std::mutex mutex_;
    std::condition_variable cv_;
};

// Counts the batches running in this process (BatchRunner holds one while a batch runs), so
// that the first signal says "stopping after the batch in flight" only when one is.
class BatchInFlight {
public:
    BatchInFlight();
    ~BatchInFlight();
    BatchInFlight(const BatchInFlight &) = delete;
    BatchInFlight &operator=(const BatchInFlight &) = delete;
    static bool any();
};

// Blocks SIGINT/SIGTERM in every thread and handles them on a watcher thread:
// the first calls stop.request(); the second prints a note and _exit()s with 130.
// Checkpoints and caches are written by atomic rename, so an exit at any moment
// leaves them consistent. Call before starting any other thread.
void install_stop_handlers(StopSignal &stop);

} // namespace streamsubmit::runtime
