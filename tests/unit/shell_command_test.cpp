#include "plugins/sinks/exec/shell_command.h"

#include <doctest/doctest.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <vector>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

using namespace streamsubmit::sinks;

namespace {

// An unlinked temporary file holding `text`, as the exec sink buffers a range.
int buffered(const std::string &text) {
    char path[] = "/tmp/shell-command-test-XXXXXX";
    const int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    ::unlink(path);
    REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    return fd;
}

std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST_CASE("a shell command gets every input in order on stdin and the extra environment") {
    const std::string out = "/tmp/shell-command-test-out-" + std::to_string(::getpid());
    const int a = buffered("first\n"), b = buffered(std::string("second\0third\n", 13));
    const auto outcome = run_shell_command("cat > " + out + "; printf '%s' \"$EXTRA\" >> " + out,
                                           {{"EXTRA", "x y"}}, {a, b});
    CHECK(outcome.succeeded());
    CHECK(read_file(out) == std::string("first\nsecond\0third\nx y", 22));
    ::unlink(out.c_str());
    ::close(a);
    ::close(b);
}

TEST_CASE("exit status and signals are reported; a command that stops reading early is not an error") {
    const int big = buffered(std::string(4 << 20, 'x')); // more than a pipe holds
    CHECK(run_shell_command("head -c 1 >/dev/null", {}, {big}).succeeded());
    const auto failed = run_shell_command("cat >/dev/null; exit 7", {}, {big});
    CHECK_FALSE(failed.succeeded());
    CHECK(failed.exit_status == 7);
    CHECK(failed.describe() == "exited with status 7");
    const auto killed = run_shell_command("kill -9 $$", {}, {});
    CHECK(killed.signal == 9);
    CHECK(killed.describe() == "was killed by signal 9");
    ::close(big);
}

namespace {

// Waits up to `bound` for process `pid` to end (its pidfd becomes readable); true if it did.
bool ends_within(pid_t pid, std::chrono::milliseconds bound) {
    const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) return errno == ESRCH; // already gone
    pollfd p{fd, POLLIN, 0};
    const bool ended = ::poll(&p, 1, static_cast<int>(bound.count())) == 1;
    ::close(fd);
    return ended;
}

// A fifo the command writes its pids to: the guardian closes every inherited descriptor.
struct PidFifo {
    std::string path = "/tmp/shell-command-test-fifo-" + std::to_string(::getpid());
    PidFifo() { REQUIRE(::mkfifo(path.c_str(), 0600) == 0); }
    ~PidFifo() { ::unlink(path.c_str()); }
    std::vector<pid_t> read_pids() {
        const int fd = ::open(path.c_str(), O_RDONLY); // blocks until the command opens it
        REQUIRE(fd >= 0);
        std::string text;
        char buf[128];
        for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
        ::close(fd);
        std::istringstream in(text);
        std::vector<pid_t> pids;
        for (pid_t p; in >> p;) pids.push_back(p);
        return pids;
    }
};

} // namespace

TEST_CASE("the command runs in a process group of its own") {
    CHECK(run_shell_command("test \"$(awk '{print $5}' /proc/$$/stat)\" = \"$$\"", {}, {}).succeeded());
}

TEST_CASE("a host that dies takes the command's process group with it: SIGTERM, then SIGKILL after the grace") {
    PidFifo fifo;
    const pid_t host = ::fork();
    REQUIRE(host >= 0);
    if (host == 0) {
        // The child that ignores SIGTERM is only ended by the SIGKILL after the 300 ms grace.
        run_shell_command("(trap '' TERM; exec sleep 300) & echo $$ $! > " + fifo.path + "; wait", {}, {},
                          std::chrono::milliseconds(300));
        ::_exit(0);
    }
    const auto pids = fifo.read_pids();
    REQUIRE(pids.size() == 2);
    ::kill(host, SIGKILL); // as a second SIGINT's _exit(130) or the stop deadline's _Exit(7) would
    ::waitpid(host, nullptr, 0);
    CHECK(ends_within(pids[0], std::chrono::seconds(5))); // the sh
    CHECK(ends_within(pids[1], std::chrono::seconds(5))); // its child
}

TEST_CASE("a command that finishes is waited for as before; the guardian leaves nothing behind") {
    const auto outcome = run_shell_command("exit 3", {}, {});
    CHECK(outcome.exit_status == 3);
    CHECK(::waitpid(-1, nullptr, WNOHANG) <= 0); // no unreaped guardian
}
