#include "runtime/receiver/assigned_starts.h"

namespace streamsubmit::runtime {
namespace {

// Copies into `starts` the offsets `known` has for `partitions` (a negative one is none);
// returns the partitions left without.
std::vector<TopicPartition> take_known(const std::vector<TopicPartition> &partitions, const OffsetMap &known,
                                       OffsetMap &starts) {
    std::vector<TopicPartition> left;
    for (const auto &tp : partitions) {
        if (const auto it = known.find(tp); it != known.end() && it->second >= 0)
            starts[tp] = it->second;
        else
            left.push_back(tp);
    }
    return left;
}

} // namespace

Result<OffsetMap> assigned_starts(Source &source, const std::vector<TopicPartition> &assigned, const OffsetMap &moved,
                                  bool from_earliest, std::chrono::milliseconds request_timeout) {
    OffsetMap starts;
    const auto ask_group = take_known(assigned, moved, starts);
    if (ask_group.empty()) return starts;
    auto committed = source.committed_offsets(ask_group, request_timeout);
    if (!committed) return committed.error();
    const auto never_committed = take_known(ask_group, *committed, starts);
    if (never_committed.empty()) return starts;
    auto marks = source.query_watermarks(never_committed, request_timeout);
    if (!marks) return marks.error();
    for (const auto &[tp, m] : *marks) starts[tp] = from_earliest ? m.earliest : m.latest;
    return starts;
}

} // namespace streamsubmit::runtime
