#include "runtime/receiver/heap_policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace streamsubmit::runtime {

std::string keep_freed_heap(size_t bytes) {
#if defined(__GLIBC__)
    const char *tunables = std::getenv("GLIBC_TUNABLES");
    if (std::getenv("MALLOC_TRIM_THRESHOLD_") || std::getenv("MALLOC_MMAP_THRESHOLD_") ||
        (tunables && std::strstr(tunables, "glibc.malloc.")))
        return "glibc malloc left as the environment tunes it";
    // Setting either fixes both (glibc stops adapting the mmap threshold), so both are set.
    constexpr size_t kLargest = 32u << 20; // the largest mmap threshold glibc accepts on 64-bit
    const size_t keep = std::max(bytes, kLargest);
    if (mallopt(M_MMAP_THRESHOLD, static_cast<int>(kLargest)) != 1 ||
        mallopt(M_TRIM_THRESHOLD, static_cast<int>(std::min<size_t>(keep, 1u << 30))) != 1)
        return "glibc malloc refused the receiver's settings; left as it was";
    return fmt::format("glibc malloc keeps up to {} MiB freed per arena, buffers up to {} MiB from its arenas "
                       "(fetch buffers are freed a batch at a time)",
                       std::min<size_t>(keep, 1u << 30) >> 20, kLargest >> 20);
#else
    (void)bytes;
    return "not glibc: the C library's malloc is left as it is";
#endif
}

} // namespace streamsubmit::runtime
