#include "runtime/batch/batch_planner.h"

#include <algorithm>
#include <numeric>

namespace streamsubmit::runtime {
namespace {

// Spreads `cap` over the lags in proportion to each lag, by largest remainder, so the
// shares add up to exactly min(cap, total lag) and no partition gets more than its lag.
void split_total(std::vector<int64_t> &lags, int64_t cap) {
    const int64_t total = std::accumulate(lags.begin(), lags.end(), int64_t{0});
    if (total <= cap) return;
    std::vector<std::pair<long double, size_t>> remainders;
    int64_t given = 0;
    for (size_t i = 0; i < lags.size(); ++i) {
        const long double exact = static_cast<long double>(lags[i]) * cap / total;
        const auto share = static_cast<int64_t>(exact);
        remainders.emplace_back(exact - share, i);
        lags[i] = share;
        given += share;
    }
    std::stable_sort(remainders.begin(), remainders.end(),
                     [](const auto &a, const auto &b) { return a.first > b.first; });
    for (size_t k = 0; given < cap && k < remainders.size(); ++k, ++given) ++lags[remainders[k].second];
}

} // namespace

std::vector<OffsetRange> BatchPlanner::plan(const OffsetMap &from, const OffsetMap &limit,
                                            std::optional<double> stream_rate) const {
    const int64_t per_partition_cap =
        limits_.max_rate_per_partition > 0
            ? std::max<int64_t>(1, limits_.max_rate_per_partition * limits_.batch_interval.count() / 1000)
            : 0;

    std::vector<OffsetRange> ranges;
    std::vector<int64_t> lags;
    ranges.reserve(from.size());
    lags.reserve(from.size());
    for (const auto &[tp, start] : from) {
        const auto it = limit.find(tp);
        ranges.push_back(OffsetRange{tp, start, start});
        lags.push_back(it == limit.end() ? 0 : std::max<int64_t>(0, it->second - start));
    }
    if (stream_rate) {
        // At least one record, so that the estimator always has a batch to measure.
        const auto budget = static_cast<int64_t>(*stream_rate * static_cast<double>(limits_.batch_interval.count()) / 1000.0);
        split_total(lags, std::max<int64_t>(1, budget));
    }
    if (per_partition_cap > 0)
        for (auto &lag : lags) lag = std::min(lag, per_partition_cap);
    if (limits_.max_offsets_per_batch > 0) split_total(lags, limits_.max_offsets_per_batch);
    for (size_t i = 0; i < ranges.size(); ++i) ranges[i].until = ranges[i].from + lags[i];
    return ranges; // std::map iteration already sorted them by topic, partition
}

} // namespace streamsubmit::runtime
