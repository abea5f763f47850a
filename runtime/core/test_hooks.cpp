#include "runtime/core/test_hooks.h"

#ifdef STREAMSUBMIT_TEST_HOOKS

#include <fmt/format.h>

#include <cstdlib>
#include <string>
#include <thread>

namespace streamsubmit::runtime {
namespace {

std::chrono::milliseconds pause_from(const char *variable) {
    const char *pause = std::getenv(variable);
    return std::chrono::milliseconds(pause ? std::atoi(pause) : 0);
}

void pause(std::chrono::milliseconds pause, const std::string &message, const Diagnostics &diagnostics) {
    if (pause.count() <= 0) return;
    if (diagnostics) diagnostics(LogLevel::Info, "test hook: " + message);
    std::this_thread::sleep_for(pause);
}

} // namespace

TestHooks test_hooks_from_environment() {
    return {pause_from("STREAMSUBMIT_TEST_PAUSE_BEFORE_COMMIT_MS"),
            pause_from("STREAMSUBMIT_TEST_PAUSE_BEFORE_COMPLETE_MS")};
}

void pause_before_commit(const TestHooks &hooks, int64_t batch, int64_t records, const Diagnostics &diagnostics) {
    pause(hooks.pause_before_commit,
          fmt::format("batch {} processed ({} records); pausing {} ms before the application commits it", batch,
                      records, hooks.pause_before_commit.count()),
          diagnostics);
}

void pause_before_complete(const TestHooks &hooks, int64_t batch, const Diagnostics &diagnostics) {
    pause(hooks.pause_before_complete,
          fmt::format("batch {} was output; pausing {} ms before marking it complete", batch,
                      hooks.pause_before_complete.count()),
          diagnostics);
}

void announce_dead_letters(const TestHooks &hooks, int64_t batch, size_t count, const Diagnostics &diagnostics) {
    if (hooks.pause_before_commit.count() <= 0 || count == 0 || !diagnostics) return;
    diagnostics(LogLevel::Info, fmt::format("test hook: batch {} produced {} dead letters", batch, count));
}

} // namespace streamsubmit::runtime

#endif
