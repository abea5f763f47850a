// Checkpoint batch files (a crash, a full disk or a person may have left anything there):
// never a crash; an accepted record has sane ranges and survives a round trip.
#include "fuzz_target.h"
#include "runtime/progress/checkpoint.h"

#include <string>

using namespace streamsubmit::runtime;

STREAMSUBMIT_FUZZ_TARGET(checkpoint) {
    const std::string text(fuzz_text(data, size));
    auto batch = batch_record_from_json(text, "fuzz.json");
    if (!batch) return 0;
    for (const auto &r : batch->ranges) FUZZ_CHECK(r.from >= 0 && r.until >= r.from);
    auto again = batch_record_from_json(batch_record_to_json(*batch), "again.json");
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->id == batch->id && again->time_ms == batch->time_ms && again->complete == batch->complete);
    FUZZ_CHECK(again->ranges == batch->ranges);
    return 0;
}
