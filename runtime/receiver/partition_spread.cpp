#include "runtime/receiver/partition_spread.h"

#include <algorithm>

namespace streamsubmit::runtime {
namespace {

int least_busy(const std::vector<int> &candidates, const std::map<int, size_t> &held) {
    int best = candidates.front();
    for (const int c : candidates) {
        const auto load = [&](int i) { const auto it = held.find(i); return it == held.end() ? size_t{0} : it->second; };
        if (load(c) < load(best) || (load(c) == load(best) && c < best)) best = c;
    }
    return best;
}

} // namespace

std::map<int, std::vector<TopicPartition>> spread_partitions(const std::vector<TopicPartition> &assigned,
                                                             const std::map<std::string, std::vector<int>> &threads_of_topic,
                                                             std::map<int, size_t> held) {
    std::vector<int> everyone;
    for (const auto &[topic, threads] : threads_of_topic) everyone.insert(everyone.end(), threads.begin(), threads.end());
    std::map<int, std::vector<TopicPartition>> out;
    if (everyone.empty()) return out;
    std::vector<TopicPartition> sorted = assigned;
    std::sort(sorted.begin(), sorted.end());
    for (const auto &tp : sorted) {
        const auto it = threads_of_topic.find(tp.topic);
        const int to = least_busy(it != threads_of_topic.end() && !it->second.empty() ? it->second : everyone, held);
        out[to].push_back(tp);
        ++held[to];
    }
    return out;
}

} // namespace streamsubmit::runtime
