#include "runtime/receiver/block_generator.h"

#include <algorithm>

namespace streamsubmit::runtime {

BlockGenerator::BlockGenerator(int receiver, std::chrono::milliseconds interval, Clock::time_point start,
                               std::shared_ptr<ChunkPool> pool)
    : receiver_(receiver), interval_(std::max(interval, std::chrono::milliseconds(1))), next_(start + interval_),
      pool_(std::move(pool)), current_(pool_) {}

namespace {

// Records come in runs of one partition; names are only valid during this call. They are in
// this host's layout: Source converted them from the plugin's stride.
template <class AddFn> void add_by_partition(Block &block, const ss_record *records, size_t count, AddFn add) {
    const char *topic = nullptr;
    int32_t partition = 0;
    uint32_t slot = 0;
    for (size_t i = 0; i < count; ++i) {
        const ss_record &r = records[i];
        if (i == 0 || r.topic != topic || r.partition != partition) {
            topic = r.topic;
            partition = r.partition;
            slot = block.slot(topic ? std::string_view(topic) : std::string_view(), partition);
        }
        add(slot, r);
    }
}

} // namespace

void BlockGenerator::add(const ss_record *records, size_t count) {
    add_by_partition(current_, records, count, [this](uint32_t slot, const ss_record &r) { current_.add_to(slot, r); });
}

void BlockGenerator::add_kept(const ss_record *records, size_t count, RecordLease lease) {
    current_.keep(std::move(lease));
    add_by_partition(current_, records, count,
                     [this](uint32_t slot, const ss_record &r) { current_.add_kept_to(slot, r); });
}

std::optional<Block> BlockGenerator::tick(Clock::time_point now, int64_t epoch_ms) {
    if (now < next_) return std::nullopt;
    const auto late = (now - next_) / interval_; // whole intervals missed
    next_ += interval_ * (late + 1);
    return seal(epoch_ms);
}

std::optional<Block> BlockGenerator::seal(int64_t epoch_ms) {
    if (current_.empty()) return std::nullopt;
    Block out = std::move(current_);
    current_ = Block(pool_, out.size()); // the next block is likely as large: no regrowing of its index
    out.receiver = receiver_;
    out.seq = next_seq_++;
    out.time_ms = epoch_ms;
    return out;
}

} // namespace streamsubmit::runtime
