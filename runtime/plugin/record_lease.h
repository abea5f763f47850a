// Records a connector lets the host keep past their callback (ABI 2.5, retain_records): the
// receiver's blocks point at large values in the connector's buffers instead of copying them.
// Destroying the lease releases them. Every lease must be gone before its Source is
// destroyed (the connector frees the buffers with its consumer).
#pragma once

#include <streamsubmit/plugin.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>

namespace streamsubmit::runtime {

class RecordLease {
public:
    using ReleaseFn = void (*)(ss_source *, ss_record_lease *);

    RecordLease() = default;
    // `outstanding` counts the source's leases (checked when the source is destroyed).
    RecordLease(ReleaseFn release, ss_source *source, ss_record_lease *lease,
                std::shared_ptr<std::atomic<int64_t>> outstanding)
        : release_(release), source_(source), lease_(lease), outstanding_(std::move(outstanding)) {
        if (lease_) outstanding_->fetch_add(1, std::memory_order_relaxed);
    }
    RecordLease(RecordLease &&other) noexcept { *this = std::move(other); }
    RecordLease &operator=(RecordLease &&other) noexcept {
        if (this != &other) {
            reset();
            release_ = other.release_;
            source_ = other.source_;
            lease_ = std::exchange(other.lease_, nullptr);
            outstanding_ = std::move(other.outstanding_);
        }
        return *this;
    }
    RecordLease(const RecordLease &) = delete;
    RecordLease &operator=(const RecordLease &) = delete;
    ~RecordLease() { reset(); }

    explicit operator bool() const { return lease_ != nullptr; }
    void reset() noexcept {
        if (!lease_) return;
        release_(source_, std::exchange(lease_, nullptr));
        outstanding_->fetch_sub(1, std::memory_order_acq_rel);
    }

private:
    ReleaseFn release_ = nullptr;
    ss_source *source_ = nullptr;
    ss_record_lease *lease_ = nullptr;
    std::shared_ptr<std::atomic<int64_t>> outstanding_;
};

} // namespace streamsubmit::runtime
