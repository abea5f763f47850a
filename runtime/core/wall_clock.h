// The wall-clock time batches and blocks are stamped with (reports, checkpoints, the log).
#pragma once

#include <chrono>
#include <cstdint>

namespace streamsubmit::runtime {

inline int64_t epoch_ms_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace streamsubmit::runtime
