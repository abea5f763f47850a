// StopDeadline ends the process itself (std::_Exit) once a stop or the closing of the Kafka
// handles outlasts stream.stopTimeout: each case runs it in a forked child whose closing
// "hangs", and checks the exit code and what reached stderr.
#include "cli/error_report.h"
#include "cli/stop_deadline.h"

#include <doctest/doctest.h>

#include <csignal>
#include <cstdio>
#include <functional>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

using namespace streamsubmit;
using namespace std::chrono_literals;

namespace {

struct ChildEnd {
    int exit_code = -1; // -1: killed by a signal (the deadline never fired)
    std::string stderr_text;
};

// Runs `setup` in a child with stderr on a pipe; the child then blocks, as a close stuck in
// librdkafka would, until the deadline ends it (or a 10 s alarm does, failing the case).
ChildEnd run_hanging_child(const std::function<void()> &setup) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    std::fflush(nullptr);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], STDERR_FILENO);
        alarm(10);
        setup();
        for (;;) pause();
    }
    close(fds[1]);
    ChildEnd end;
    char buf[4096];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) end.stderr_text.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    if (WIFEXITED(status)) end.exit_code = WEXITSTATUS(status);
    return end;
}

} // namespace

TEST_CASE("closing the Kafka handles past stream.stopTimeout leaves with the run's own result and says so") {
    const auto end = run_hanging_child([] {
        static runtime::StopSignal stop;
        static cli::StopDeadline deadline(stop, 200ms);
        deadline.run_finished(ok_status());
    });
    CHECK(end.exit_code == cli::kExitSuccess);
    CHECK(end.stderr_text.find("warning: closing the Kafka connections took longer than 0.2 s "
                               "(stream.stopTimeout); leaving without waiting") != std::string::npos);
}

TEST_CASE("a failed run whose closing hangs still exits with the failure's code") {
    const auto end = run_hanging_child([] {
        static runtime::StopSignal stop;
        static cli::StopDeadline deadline(stop, 200ms);
        deadline.run_finished(Status(Error(ErrorKind::Kafka, "the broker went away", "bootstrap", "check it")));
    });
    CHECK(end.exit_code == cli::kExitKafka);
    CHECK(end.stderr_text.find("the broker went away") != std::string::npos);
    CHECK(end.stderr_text.find("took longer than 0.2 s") != std::string::npos);
}

TEST_CASE("a stop request that the batch in flight outlasts ends with exit 7") {
    const auto end = run_hanging_child([] {
        static runtime::StopSignal stop;
        static cli::StopDeadline deadline(stop, 200ms);
        stop.request();
    });
    CHECK(end.exit_code == cli::kExitStopTimeout);
    CHECK(end.stderr_text.find("the job did not stop within stream.stopTimeout (0.2 s)") != std::string::npos);
    CHECK(end.stderr_text.find("took longer than") == std::string::npos);
}

TEST_CASE("no deadline runs before a stop or the end of the run") {
    const auto end = run_hanging_child([] {
        static runtime::StopSignal stop;
        static cli::StopDeadline deadline(stop, 50ms);
        alarm(1); // the deadline must not fire on its own: only this alarm ends the child
    });
    CHECK(end.exit_code == -1);
    CHECK(end.stderr_text.empty());
}
