// What a running job tells whoever watches it (the metrics endpoint) besides how its batches
// ended: rebalances and the write-ahead log's writes. Every call must be quick and not throw;
// the defaults ignore the event. Not owned by the parts that call it; may be null there.
#pragma once

#include <streamsubmit/plugin.h>

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace streamsubmit::runtime {

enum class RebalanceKind { Assigned, Revoked, Lost };

inline RebalanceKind rebalance_kind(ss_rebalance_event event) {
    return event == SS_REBALANCE_ASSIGN ? RebalanceKind::Assigned
           : event == SS_REBALANCE_LOST ? RebalanceKind::Lost
                                        : RebalanceKind::Revoked;
}

class JobObserver {
public:
    virtual ~JobObserver() = default;
    // The group assigned, revoked or lost `partitions` partitions of this process (a receiver
    // thread's consumer, or the group member of group-coordinated direct mode).
    virtual void rebalanced(RebalanceKind, size_t /*partitions*/) noexcept {}
    // The write-ahead log wrote `bytes` and made them durable with one fdatasync taking `sync`.
    virtual void log_synced(int64_t /*bytes*/, std::chrono::nanoseconds /*sync*/) noexcept {}
};

} // namespace streamsubmit::runtime
