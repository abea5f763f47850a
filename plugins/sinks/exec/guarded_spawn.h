// Starts the exec sink's command so that it cannot outlive streamsubmit.
//
// A guardian process sits between the host and `/bin/sh -c COMMAND`: it starts the command in
// a process group of its own (so a terminal's Ctrl-C reaches only streamsubmit, whose first
// SIGINT lets the batch in flight finish) and holds the read end of a "lifeline" pipe whose
// only write end is the host's. However the host ends — a normal exit, a second SIGINT
// (exit 130), the stop deadline (exit 7), a crash, SIGKILL — the kernel closes that end; the
// guardian sees end-of-file and stops the command's whole process group: SIGTERM, then SIGKILL
// to whatever is left after `grace`. The guardian is a child subreaper, so the command's
// orphaned children are reaped, not left as zombies. A command that finishes normally is
// waited for as before; what it left running in the background is its own business.
#pragma once

#include <chrono>
#include <string>
#include <sys/types.h>
#include <vector>

namespace streamsubmit::sinks {

// What the host waits on: the guardian, and the pipe on which it reports the command's status.
struct GuardedChild {
    pid_t guardian = -1;
    int status_fd = -1; // the guardian writes the command's wait status here
    int lifeline = -1;  // the host's end; closing it (or dying) stops the command's process group
};

// How long a stopped command's process group has between SIGTERM and SIGKILL.
constexpr std::chrono::milliseconds kCommandStopGrace{5000};

// Starts `/bin/sh -c command` (argv, envp as for execve) under a guardian, with `stdin_fd` as
// its stdin and the host's stderr as its stdout. On failure returns an error text, else "".
std::string spawn_guarded(const std::vector<char *> &argv, const std::vector<char *> &envp, int stdin_fd,
                          std::chrono::milliseconds grace, GuardedChild &child);

// Waits for the command to end; returns its wait status (as waitpid's), or -1 with `problem` set.
int wait_guarded(GuardedChild &child, std::string &problem);

} // namespace streamsubmit::sinks
