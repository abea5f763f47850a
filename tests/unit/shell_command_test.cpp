#include "plugins/sinks/exec/shell_command.h"

#include <doctest/doctest.h>

#include <cstdio>
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
