#include "guarded_spawn.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace streamsubmit::sinks {
namespace {

// Everything below runs in the forked guardian of a multi-threaded host: only
// async-signal-safe calls (and raw system calls), no allocation, no locks.

// What the guardian reports on its status pipe.
struct Report {
    int kind;  // kStatus: `value` is the command's wait status; kForkFailed: `value` is errno
    int value;
};
constexpr int kStatus = 0;
constexpr int kForkFailed = 1;

constexpr int kStdinFd = 0;
constexpr int kLifelineFd = 3;
constexpr int kReportFd = 4;
constexpr int kFirstOtherFd = 5;

void write_report(int kind, int value) {
    const Report r{kind, value};
    while (::write(kReportFd, &r, sizeof r) < 0 && errno == EINTR) {
    }
}

void sleep_ms(int ms) { ::poll(nullptr, 0, ms); }

// Closes every descriptor from kFirstOtherFd up: the guardian must not hold the pipes of
// commands other threads run (they would never see end of input) nor another lifeline.
void close_others(int max_fd) {
    if (::syscall(SYS_close_range, kFirstOtherFd, ~0U, 0) == 0) return;
    for (int fd = kFirstOtherFd; fd < max_fd; ++fd) ::close(fd);
}

// Puts stdin, lifeline and status pipe at fixed numbers (via numbers above all three, so no
// move overwrites another), the host's stderr as stdout, and closes the rest.
void arrange_descriptors(int stdin_fd, int lifeline, int report, int max_fd) {
    const int in = ::fcntl(stdin_fd, F_DUPFD, kFirstOtherFd);
    const int life = ::fcntl(lifeline, F_DUPFD, kFirstOtherFd);
    const int rep = ::fcntl(report, F_DUPFD, kFirstOtherFd);
    ::dup2(in, kStdinFd);
    ::dup2(STDERR_FILENO, STDOUT_FILENO); // never the host's stdout: it carries the batch reports
    ::dup2(life, kLifelineFd);
    ::dup2(rep, kReportFd);
    ::fcntl(kLifelineFd, F_SETFD, FD_CLOEXEC); // the command inherits neither
    ::fcntl(kReportFd, F_SETFD, FD_CLOEXEC);
    close_others(max_fd);
}

[[noreturn]] void exec_command(const std::vector<char *> &argv, const std::vector<char *> &envp) {
    ::setpgid(0, 0);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &dfl, nullptr); // the host ignores SIGPIPE; the command gets the default
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr); // the host blocks SIGINT/SIGTERM in every thread
    ::execve("/bin/sh", argv.data(), envp.data());
    ::_exit(127);
}

// Reaps the command (its status goes to the host) and any orphan handed to this subreaper.
bool reap(pid_t command, int &status) {
    bool command_done = false;
    for (;;) {
        int st = 0;
        const pid_t pid = ::waitpid(-1, &st, WNOHANG);
        if (pid <= 0) return command_done;
        if (pid == command) {
            status = st;
            command_done = true;
        }
    }
}

// The host is gone: SIGTERM to the command's process group, SIGKILL to what is left after `grace`.
void stop_group(pid_t group, int grace_ms) {
    ::kill(-group, SIGTERM);
    ::kill(-group, SIGCONT); // a stopped process must run to act on SIGTERM
    int status = 0;
    for (int waited = 0; waited < grace_ms; waited += 10) {
        reap(group, status);
        if (::kill(-group, 0) != 0 && errno == ESRCH) return;
        sleep_ms(10);
    }
    ::kill(-group, SIGKILL);
    sleep_ms(10);
    reap(group, status);
}

[[noreturn]] void guardian_main(const std::vector<char *> &argv, const std::vector<char *> &envp, int stdin_fd,
                                int lifeline, int report, int max_fd, int grace_ms) {
    sigset_t all;
    sigfillset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr); // only the lifeline ends the guardian early
    arrange_descriptors(stdin_fd, lifeline, report, max_fd);
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    const pid_t command = ::fork();
    if (command < 0) {
        write_report(kForkFailed, errno);
        ::_exit(1);
    }
    if (command == 0) exec_command(argv, envp);
    ::setpgid(command, command); // also here, so the group exists whichever process runs first
    ::close(kStdinFd);
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, command, 0));
    int status = 0;
    for (;;) {
        pollfd fds[2] = {{kLifelineFd, POLLIN, 0}, {pidfd, POLLIN, 0}};
        // Without pidfds (Linux before 5.3) look at the command every 10 ms.
        ::poll(fds, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : 10);
        if (reap(command, status)) {
            write_report(kStatus, status);
            ::_exit(0);
        }
        if (fds[0].revents != 0) { // the host never writes: this is end of file, the host is gone
            stop_group(command, grace_ms);
            ::_exit(0);
        }
    }
}

std::string errno_text(const char *what, int err) { return std::string(what) + ": " + std::strerror(err); }

} // namespace

std::string spawn_guarded(const std::vector<char *> &argv, const std::vector<char *> &envp, int stdin_fd,
                          std::chrono::milliseconds grace, GuardedChild &child) {
    int lifeline[2], report[2];
    if (::pipe2(lifeline, O_CLOEXEC) != 0) return errno_text("cannot create a pipe", errno);
    if (::pipe2(report, O_CLOEXEC) != 0) {
        const int err = errno;
        ::close(lifeline[0]);
        ::close(lifeline[1]);
        return errno_text("cannot create a pipe", err);
    }
    rlimit files{};
    const int max_fd = ::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY
                           ? static_cast<int>(std::min<rlim_t>(files.rlim_cur, 1 << 20))
                           : 65536;
    const pid_t pid = ::fork();
    if (pid == 0)
        guardian_main(argv, envp, stdin_fd, lifeline[0], report[1], max_fd, static_cast<int>(grace.count()));
    const int err = errno;
    ::close(lifeline[0]);
    ::close(report[1]);
    if (pid < 0) {
        ::close(lifeline[1]);
        ::close(report[0]);
        return errno_text("fork", err);
    }
    child = GuardedChild{pid, report[0], lifeline[1]};
    return {};
}

int wait_guarded(GuardedChild &child, std::string &problem) {
    Report r{kForkFailed, 0};
    ssize_t got = 0;
    while ((got = ::read(child.status_fd, &r, sizeof r)) < 0 && errno == EINTR) {
    }
    int guardian_status = 0;
    while (::waitpid(child.guardian, &guardian_status, 0) < 0 && errno == EINTR) {
    }
    ::close(child.status_fd);
    ::close(child.lifeline);
    child = GuardedChild{};
    if (got != static_cast<ssize_t>(sizeof r)) {
        problem = "its guardian process ended without reporting the command's status";
        return -1;
    }
    if (r.kind == kForkFailed) {
        problem = errno_text("fork", r.value);
        return -1;
    }
    return r.value;
}

} // namespace streamsubmit::sinks
