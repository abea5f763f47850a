// Pauses that let crash tests land a kill at an exact point of a batch. They exist only in
// a build configured with -DSTREAMSUBMIT_TEST_HOOKS=ON (scripts/test turns it on): in any
// other build the environment variables are not read and these calls compile to nothing.
#pragma once

#include "runtime/core/diagnostics.h"

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace streamsubmit::runtime {

struct TestHooks {
    // STREAMSUBMIT_TEST_PAUSE_BEFORE_COMMIT_MS: after a batch's records were processed, before
    // the application commits it (inside a sink's open transaction).
    std::chrono::milliseconds pause_before_commit{0};
    // STREAMSUBMIT_TEST_PAUSE_BEFORE_COMPLETE_MS: between a batch's output and its "complete"
    // record.
    std::chrono::milliseconds pause_before_complete{0};
};

#ifdef STREAMSUBMIT_TEST_HOOKS
// The pauses the environment asks for.
TestHooks test_hooks_from_environment();
// Each announces the pause on stderr ("test hook: ..."), then sleeps (nothing when it is 0).
void pause_before_commit(const TestHooks &hooks, int64_t batch, int64_t records, const Diagnostics &diagnostics);
void pause_before_complete(const TestHooks &hooks, int64_t batch, const Diagnostics &diagnostics);
// With a pause before commit: says that the batch's dead letters were produced (so a kill in
// that pause lands between the dead-letter produce and the commit).
void announce_dead_letters(const TestHooks &hooks, int64_t batch, size_t count, const Diagnostics &diagnostics);
#else
inline TestHooks test_hooks_from_environment() { return {}; }
inline void pause_before_commit(const TestHooks &, int64_t, int64_t, const Diagnostics &) {}
inline void pause_before_complete(const TestHooks &, int64_t, const Diagnostics &) {}
inline void announce_dead_letters(const TestHooks &, int64_t, size_t, const Diagnostics &) {}
#endif

} // namespace streamsubmit::runtime
