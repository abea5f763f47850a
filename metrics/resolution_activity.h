// The start-up resolution's numbers, handed from cli/ (which resolves) to the metrics; plain
// numbers, so neither side includes the other's library.
#pragma once

#include <cstdint>

namespace streamsubmit::metrics {

// What resolving --packages and the application cost at start (before the endpoint listened).
struct ResolutionActivity {
    int64_t artifacts = 0; // artifact files resolved, from the cache or downloaded
    int64_t requests = 0;  // HTTP transfers, retries included (0: everything was cached)
    int64_t bytes = 0;     // body bytes they received
    double seconds = 0;    // how long the resolution took
};

} // namespace streamsubmit::metrics
