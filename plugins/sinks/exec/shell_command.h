// One run of a shell command for the exec sink: `/bin/sh -c COMMAND` with extra environment
// variables, its stdin fed from files, its stdout sent to the host's stderr (stdout carries the
// offset report and must never see a byte of the command's output).
#pragma once

#include "guarded_spawn.h"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace streamsubmit::sinks {

struct CommandOutcome {
    bool started = false;  // false: it could not even be spawned (see `problem`)
    int exit_status = -1;  // the exit status when it exited normally
    int signal = 0;        // the signal that killed it, else 0
    std::string problem;   // why it could not run, or what went wrong feeding its stdin
    bool succeeded() const { return started && signal == 0 && exit_status == 0 && problem.empty(); }
    std::string describe() const; // "exited with status 3", "killed by signal 9", ...
};

// Runs the command to completion. `inputs` are file descriptors whose whole contents, from
// offset 0, are written to the command's stdin in order; the command may stop reading early
// (its exit status decides). Thread-safe: every descriptor it creates is close-on-exec, so
// commands run at the same time from other threads never hold each other's pipes open.
// `stop_grace`: if the host ends first, how long the command's process group has between
// SIGTERM and SIGKILL.
CommandOutcome run_shell_command(const std::string &command,
                                 const std::vector<std::pair<std::string, std::string>> &environment,
                                 const std::vector<int> &inputs,
                                 std::chrono::milliseconds stop_grace = kCommandStopGrace);

} // namespace streamsubmit::sinks
