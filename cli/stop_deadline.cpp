#include "cli/stop_deadline.h"

#include "cli/error_report.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

namespace streamsubmit::cli {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kPoll{50}; // the stop flag is a plain atomic: look at it this often

std::string seconds(std::chrono::milliseconds t) { return fmt::format("{:g} s", static_cast<double>(t.count()) / 1000); }

} // namespace

StopDeadline::StopDeadline(runtime::StopSignal &stop, std::chrono::milliseconds timeout)
    : stop_(stop), timeout_(timeout), watcher_([this] { watch(); }) {}

StopDeadline::~StopDeadline() {
    {
        std::lock_guard lock(mu_);
        quit_ = true;
    }
    cv_.notify_all();
    watcher_.join();
}

void StopDeadline::run_finished(const Status &result) {
    std::lock_guard lock(mu_);
    result_ = result;
    finished_at_ = Clock::now();
}

void StopDeadline::run_started() {
    std::lock_guard lock(mu_);
    result_.reset();
    finished_at_.reset();
}

void StopDeadline::watch() {
    std::optional<Clock::time_point> stop_seen;
    std::unique_lock lock(mu_);
    while (!quit_) {
        cv_.wait_for(lock, kPoll);
        if (quit_) break;
        const auto now = Clock::now();
        if (!stop_seen && stop_.requested()) stop_seen = now;
        // A stop request starts the clock for the batch and the closing together.
        const auto since = stop_seen ? stop_seen : finished_at_;
        if (!since || now - *since < timeout_) continue;
        // Past the deadline: leave without running destructors that may block in librdkafka.
        Status result = result_ ? *result_
                                : Status(Error(ErrorKind::StopTimeout,
                                               "the job did not stop within stream.stopTimeout (" + seconds(timeout_) +
                                                   "); the batch in flight was not completed",
                                               "stream.stopTimeout",
                                               "a restart re-runs that batch from the checkpoint; raise "
                                               "--conf stream.stopTimeout=DURATION to give it more time"));
        int code = kExitSuccess;
        if (!result) code = report_error(result.error());
        if (result_) {
            const std::string note = "streamsubmit: warning: closing the Kafka connections took longer than " +
                                     seconds(timeout_) + " (stream.stopTimeout); leaving without waiting\n";
            std::fputs(note.c_str(), stderr);
        }
        std::fflush(stderr); // not stdout: the job's thread may hold its lock, blocked on a full pipe
        std::_Exit(code);
    }
}

} // namespace streamsubmit::cli
