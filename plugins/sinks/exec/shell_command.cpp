#include "shell_command.h"

#include "guarded_spawn.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace streamsubmit::sinks {
namespace {

std::string errno_text(const char *what, int err) { return std::string(what) + ": " + std::strerror(err); }

// The host's environment with `extra` set on top (an extra variable replaces an inherited one).
std::vector<std::string> child_environment(const std::vector<std::pair<std::string, std::string>> &extra) {
    std::map<std::string, std::string> vars;
    for (char **e = environ; e && *e; ++e) {
        const std::string entry(*e);
        const auto eq = entry.find('=');
        if (eq != std::string::npos) vars[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    for (const auto &[name, value] : extra) vars[name] = value;
    std::vector<std::string> out;
    out.reserve(vars.size());
    for (const auto &[name, value] : vars) out.push_back(name + "=" + value);
    return out;
}

// Copies each input from its start into `pipe_fd`. A reader that went away (EPIPE) ends the
// copy without an error: the command's exit status says whether it was content.
std::string copy_inputs(int pipe_fd, const std::vector<int> &inputs) {
    std::vector<char> buffer(size_t{1} << 20);
    for (const int fd : inputs) {
        off_t position = 0;
        for (;;) {
            const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), position);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return errno_text("cannot read the buffered records", errno);
            if (n == 0) break;
            position += n;
            for (ssize_t done = 0; done < n;) {
                const ssize_t w = ::write(pipe_fd, buffer.data() + done, static_cast<size_t>(n - done));
                if (w < 0 && errno == EINTR) continue;
                if (w < 0 && errno == EPIPE) return {};
                if (w < 0) return errno_text("cannot write to the command's stdin", errno);
                done += w;
            }
        }
    }
    return {};
}

// copy_inputs with SIGPIPE blocked on this thread, so a command that stops reading never kills
// the host (whatever the host's disposition); a SIGPIPE raised meanwhile is taken back.
std::string feed(int pipe_fd, const std::vector<int> &inputs) {
    sigset_t pipe_signal, previous;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, &previous);
    std::string problem = copy_inputs(pipe_fd, inputs);
    const timespec no_wait{0, 0};
    while (sigtimedwait(&pipe_signal, nullptr, &no_wait) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return problem;
}

} // namespace

std::string CommandOutcome::describe() const {
    if (!started) return "could not be started: " + problem;
    if (signal != 0) return "was killed by signal " + std::to_string(signal);
    if (exit_status != 0) return "exited with status " + std::to_string(exit_status);
    if (!problem.empty()) return problem;
    return "succeeded";
}

CommandOutcome run_shell_command(const std::string &command,
                                 const std::vector<std::pair<std::string, std::string>> &environment,
                                 const std::vector<int> &inputs, std::chrono::milliseconds stop_grace) {
    CommandOutcome outcome;
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        outcome.problem = errno_text("cannot create a pipe", errno);
        return outcome;
    }
    // Prepared before the fork: the guardian may not allocate.
    const std::vector<std::string> env_strings = child_environment(environment);
    std::vector<char *> envp;
    for (const auto &s : env_strings) envp.push_back(const_cast<char *>(s.c_str()));
    envp.push_back(nullptr);
    char sh[] = "sh", dash_c[] = "-c";
    const std::vector<char *> argv = {sh, dash_c, const_cast<char *>(command.c_str()), nullptr};

    GuardedChild child;
    const std::string spawn_problem = spawn_guarded(argv, envp, pipe_fds[0], stop_grace, child);
    ::close(pipe_fds[0]);
    if (!spawn_problem.empty()) {
        ::close(pipe_fds[1]);
        outcome.problem = spawn_problem;
        return outcome;
    }
    outcome.started = true;
    outcome.problem = feed(pipe_fds[1], inputs);
    ::close(pipe_fds[1]); // end of input
    std::string wait_problem;
    const int status = wait_guarded(child, wait_problem);
    if (status < 0) {
        outcome.problem = wait_problem;
        return outcome;
    }
    if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
    if (WIFEXITED(status)) outcome.exit_status = WEXITSTATUS(status);
    return outcome;
}

} // namespace streamsubmit::sinks
