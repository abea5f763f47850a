// stream.startingOffsets JSON from the command line: never a crash; accepted offsets are
// >= -2 and partitions >= 0.
#include "fuzz_target.h"
#include "runtime/direct/starting_offsets.h"

using namespace streamsubmit::runtime;

STREAMSUBMIT_FUZZ_TARGET(starting_offsets) {
    const auto text = fuzz_text(data, size);
    if (auto offsets = parse_starting_offsets_json(text)) {
        for (const auto &[tp, offset] : *offsets) {
            FUZZ_CHECK(tp.partition >= 0);
            FUZZ_CHECK(offset >= kOffsetEarliest);
        }
        StartingOffsets start;
        start.explicit_offsets = *offsets;
        std::vector<TopicPartition> partitions;
        WatermarkMap wm;
        for (const auto &[tp, offset] : *offsets) {
            partitions.push_back(tp);
            wm[tp] = Watermarks{0, 100};
        }
        for (const auto &[tp, offset] : initial_offsets(partitions, wm, start, {})) FUZZ_CHECK(offset >= 0);
    }
    (void)parse_auto_offset_reset(text);
    return 0;
}
