// Which stream reads each partition a receiver-mode member routed (partition_streams.h), and
// what a rebalance changes in each stream's assignment. Plain bookkeeping, no librdkafka: the
// caller applies the changes to the streams' handles.
//
// The member's thread routes partitions inside ASSIGN (route) and applies them once it knows
// where they start (take_routed); a REVOKE removes them (take_revoked). Receiver threads look
// up a partition's stream to pause or resume it (stream_of), concurrently with those.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace streamsubmit::kafka {

class StreamRoutes {
public:
    using Partition = std::pair<std::string, int32_t>;
    // Per stream, the partitions that leave or join its assignment.
    using Changes = std::map<int32_t, std::vector<Partition>>;

    // Inside ASSIGN: `partition` will be read by `stream` (the last route of a partition wins).
    void route(std::string topic, int32_t partition, int32_t stream);
    // After ASSIGN: the routes made since the last call become current, those of partitions
    // `being_assigned` accepts (the others are dropped: a stream reads only what the member
    // owns). `joining` gets, per stream, the partitions to assign to it; `leaving`, per stream,
    // partitions it read until now that another stream (or it again, anew) takes over.
    void take_routed(const std::function<bool(const Partition &)> &being_assigned, Changes &joining, Changes &leaving);
    // On REVOKE: forgets the routes of `partitions` and returns, per stream, those it read.
    // Partitions never routed (the member's own) are not named.
    Changes take_revoked(const std::vector<Partition> &partitions);
    // Forgets every route (the handles are gone).
    void clear();

    // -1: the partition is not routed (the member reads it, if anyone).
    int32_t stream_of(const std::string &topic, int32_t partition) const;
    // Cheap check before stream_of on a hot path.
    bool empty() const { return count_.load(std::memory_order_acquire) == 0; }

private:
    mutable std::mutex mu_;
    std::map<Partition, int32_t> current_;
    std::vector<std::pair<Partition, int32_t>> pending_;
    std::atomic<size_t> count_{0};
};

} // namespace streamsubmit::kafka
