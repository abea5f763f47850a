// One source per fuzz target, built two ways:
//  - with clang and -fsanitize=fuzzer (STREAMSUBMIT_FUZZ=ON): a libFuzzer binary;
//  - with STREAMSUBMIT_FUZZ_REPLAY (the default test build): a function registered under
//    the target's name, which fuzz_regression_tests (doctest) feeds every file of
//    corpus/<target>/ and regressions/<target>/ — so every crash ever found stays a test.
// FUZZ_CHECK states an invariant: on failure it prints the condition and aborts, which
// libFuzzer reports as a crash (and the replay test as a failure).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(cond)                                                                                   \
    do {                                                                                                   \
        if (!(cond)) {                                                                                     \
            std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond);        \
            std::abort();                                                                                  \
        }                                                                                                  \
    } while (0)

#ifdef STREAMSUBMIT_FUZZ_REPLAY
namespace fuzz_replay {
using TargetFn = int (*)(const uint8_t *, size_t);
bool register_target(const char *name, TargetFn fn);
} // namespace fuzz_replay
#define STREAMSUBMIT_FUZZ_TARGET(name)                                                                     \
    static int fuzz_one_##name(const uint8_t *data, size_t size);                                          \
    [[maybe_unused]] static const bool fuzz_registered_##name =                                            \
        ::fuzz_replay::register_target(#name, fuzz_one_##name);                                             \
    static int fuzz_one_##name(const uint8_t *data, size_t size)
#else
#define STREAMSUBMIT_FUZZ_TARGET(name) extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#endif

inline std::string_view fuzz_text(const uint8_t *data, size_t size) {
    return {reinterpret_cast<const char *>(data), size};
}
