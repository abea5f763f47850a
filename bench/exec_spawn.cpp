// bench_exec_spawn RUNS ROUNDS: what the exec sink's guardian costs per command run.
//
// Each round runs `/bin/sh -c true` RUNS times through the exec sink's run_shell_command (a
// guardian process between the host and the shell, issue 26) and RUNS times with a bare
// posix_spawn + waitpid (what it did before), alternating which goes first. Prints one JSON
// object: per variant the milliseconds per run of every round, so the caller reports
// min/median/max and the ratio round by round.
#include "../plugins/sinks/exec/shell_command.h"

#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern char **environ;

namespace {

using Clock = std::chrono::steady_clock;

void bare_spawn() {
    char sh[] = "/bin/sh", c[] = "-c", cmd[] = "true";
    char *argv[] = {sh, c, cmd, nullptr};
    pid_t pid = -1;
    if (posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv, environ) != 0) std::abort();
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) std::abort();
}

void guarded() {
    const auto outcome = streamsubmit::sinks::run_shell_command("true", {}, {});
    if (!outcome.succeeded()) {
        std::fprintf(stderr, "bench_exec_spawn: %s\n", outcome.describe().c_str());
        std::exit(1);
    }
}

double ms_per_run(void (*run)(), int runs) {
    const auto start = Clock::now();
    for (int i = 0; i < runs; ++i) run();
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count() / runs;
}

std::string json_list(const std::vector<double> &values) {
    std::string out = "[";
    for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + std::to_string(values[i]);
    return out + "]";
}

} // namespace

int main(int argc, char **argv) {
    if (argc != 3) {
        std::fputs("usage: bench_exec_spawn RUNS ROUNDS\n", stderr);
        return 2;
    }
    const int runs = std::atoi(argv[1]), rounds = std::atoi(argv[2]);
    std::vector<double> bare, guard;
    for (int r = 0; r < rounds; ++r) {
        if (r % 2 == 0) {
            bare.push_back(ms_per_run(bare_spawn, runs));
            guard.push_back(ms_per_run(guarded, runs));
        } else {
            guard.push_back(ms_per_run(guarded, runs));
            bare.push_back(ms_per_run(bare_spawn, runs));
        }
    }
    std::printf("{\"runs\": %d, \"posix_spawn_ms\": %s, \"guarded_ms\": %s}\n", runs, json_list(bare).c_str(),
                json_list(guard).c_str());
    return 0;
}
