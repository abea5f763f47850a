#include "runtime/core/stop_signal.h"

#include "common/guarded.h"

#include <csignal>
#include <cstring>
#include <pthread.h>
#include <thread>
#include <unistd.h>

namespace streamsubmit::runtime {

void StopSignal::request() {
    {
        std::lock_guard lock(mutex_);
        requested_ = true;
    }
    cv_.notify_all();
}

bool StopSignal::wait_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    return cv_.wait_until(lock, deadline, [this] { return requested_.load(); });
}

namespace {
std::atomic<int> batches_in_flight{0};
} // namespace

BatchInFlight::BatchInFlight() { batches_in_flight.fetch_add(1); }
BatchInFlight::~BatchInFlight() { batches_in_flight.fetch_sub(1); }
bool BatchInFlight::any() { return batches_in_flight.load() > 0; }

namespace {

[[noreturn]] void watch_signals(sigset_t set, StopSignal &stop) {
    for (int received = 0;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0) continue;
        if (++received == 1) {
            static const char busy[] = "streamsubmit: stopping after the batch in flight (signal again to stop now)\n";
            static const char idle[] = "streamsubmit: stopping (signal again to stop now)\n";
            if (BatchInFlight::any())
                (void)!::write(STDERR_FILENO, busy, sizeof busy - 1);
            else
                (void)!::write(STDERR_FILENO, idle, sizeof idle - 1);
            stop.request();
        } else {
            static const char note[] = "streamsubmit: interrupted\n";
            (void)!::write(STDERR_FILENO, note, sizeof note - 1);
            ::_exit(130);
        }
    }
}

} // namespace

void install_stop_handlers(StopSignal &stop) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::thread([set, &stop] {
        const Status st = run_guarded("signal watcher", [&]() -> Status {
            watch_signals(set, stop);
            return ok_status();
        });
        // Nothing can report for this thread: without it signals are lost, so leave now.
        static const char note[] = "streamsubmit: error: the signal watcher failed\n";
        if (!st) {
            (void)!::write(STDERR_FILENO, note, sizeof note - 1);
            ::_exit(1);
        }
    }).detach();
}

} // namespace streamsubmit::runtime
