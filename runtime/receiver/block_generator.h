// Cuts one receiver thread's records into blocks every stream.blockInterval, the way
// Spark's BlockGenerator does. Boundaries are whole intervals after the start, so a
// late tick does not shift the ones after it.
#pragma once

#include "runtime/receiver/block.h"

#include <streamsubmit/plugin.h>

#include <chrono>
#include <memory>
#include <optional>

namespace streamsubmit::runtime {

class BlockGenerator {
public:
    using Clock = std::chrono::steady_clock;

    // `pool`: where blocks take their arena chunks (may be null).
    BlockGenerator(int receiver, std::chrono::milliseconds interval, Clock::time_point start,
                   std::shared_ptr<ChunkPool> pool = nullptr);

    void add(const ss_record *records, size_t count);
    // The same for a delivery the connector keeps (`lease`): values are not copied.
    void add_kept(const ss_record *records, size_t count, RecordLease lease);

    // When the current block is due.
    Clock::time_point next_boundary() const { return next_; }

    // At or after the boundary: the records added since the last block (nullopt when there
    // are none); the boundary moves to the first one after `now`.
    std::optional<Block> tick(Clock::time_point now, int64_t epoch_ms);

    // The current records as a block right away (rebalance, backpressure, stop); the
    // boundaries stay where they are.
    std::optional<Block> seal(int64_t epoch_ms);

    size_t buffered_bytes() const { return current_.memory_bytes(); }
    size_t buffered_records() const { return current_.size(); }
    const Block &current() const { return current_; }

private:
    int receiver_;
    std::chrono::milliseconds interval_;
    Clock::time_point next_;
    int64_t next_seq_ = 0;
    std::shared_ptr<ChunkPool> pool_;
    Block current_;
};

} // namespace streamsubmit::runtime
