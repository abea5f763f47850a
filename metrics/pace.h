// The status page's state line: is the job keeping up with its batch interval? Spark's Streaming
// tab leaves this to the reader of its charts; here it is one decision, from the last batches.
#pragma once

#include "metrics/job_state.h"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace streamsubmit::metrics {

enum class PaceState {
    Starting,      // no batch ended yet (and not for long)
    KeepingUp,     // batches start on time, or their delay is not growing
    FallingBehind, // each of the last batches started later than the one before
    Stalled,       // no batch ended for long, or the last ones all ended without a commit
};

struct Pace {
    PaceState state = PaceState::Starting;
    int growing_batches = 0; // how many of the newest batches each started later than the one before
    std::string line;        // "keeping up", "falling behind (delay growing for 3 batches)", ...
};

// Falling behind takes this many growing delays in a row: one overrun batch (a slow commit, a
// pause) makes the next one late once, then the delay shrinks again.
inline constexpr int kGrowingBatchesToFallBehind = 2;
// Stalled when the last batches all ended without a commit (failed or aborted), this many.
inline constexpr int kUncommittedBatchesToStall = 3;

// `batches`: oldest first (JobState::recent_batches); `since_last_batch`: how long ago the newest
// one ended (since the start when none did).
Pace assess_pace(const std::vector<BatchSummary> &batches, std::chrono::milliseconds batch_interval,
                 std::chrono::milliseconds since_last_batch);

// A batch loop that ended nothing for this long is stalled: ten intervals, at least 30 s (a
// single batch may legitimately take several intervals).
std::chrono::milliseconds stall_after(std::chrono::milliseconds batch_interval);

std::string_view pace_name(PaceState state);

} // namespace streamsubmit::metrics
