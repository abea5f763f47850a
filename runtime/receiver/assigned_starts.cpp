#include "runtime/receiver/assigned_starts.h"

namespace streamsubmit::runtime {

Result<OffsetMap> assigned_starts(Source &source, const std::vector<TopicPartition> &assigned, const OffsetMap &moved,
                                  bool from_earliest, std::chrono::milliseconds request_timeout) {
    OffsetMap starts;
    std::vector<TopicPartition> ask_group;
    for (const auto &tp : assigned) {
        if (const auto it = moved.find(tp); it != moved.end())
            starts[tp] = it->second;
        else
            ask_group.push_back(tp);
    }
    if (ask_group.empty()) return starts;
    auto committed = source.committed_offsets(ask_group, request_timeout);
    if (!committed) return committed.error();
    std::vector<TopicPartition> never_committed;
    for (const auto &tp : ask_group) {
        if (const auto it = committed->find(tp); it != committed->end() && it->second >= 0)
            starts[tp] = it->second;
        else
            never_committed.push_back(tp);
    }
    if (never_committed.empty()) return starts;
    auto marks = source.query_watermarks(never_committed, request_timeout);
    if (!marks) return marks.error();
    for (const auto &[tp, m] : *marks) starts[tp] = from_earliest ? m.earliest : m.latest;
    return starts;
}

} // namespace streamsubmit::runtime
