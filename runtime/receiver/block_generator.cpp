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
template <class AddRunFn> void add_by_partition(Block &block, const ss_record *records, size_t count, AddRunFn add) {
    for (size_t i = 0; i < count;) {
        const ss_record &first = records[i];
        size_t j = i + 1;
        while (j < count && records[j].partition == first.partition && records[j].topic == first.topic) ++j;
        add(block.slot(first.topic ? std::string_view(first.topic) : std::string_view(), first.partition),
            records + i, j - i);
        i = j;
    }
}

} // namespace

void BlockGenerator::add(const ss_record *records, size_t count) {
    add_by_partition(current_, records, count,
                     [this](uint32_t slot, const ss_record *run, size_t n) { current_.add_run(slot, run, n); });
}

void BlockGenerator::add_kept(const ss_record *records, size_t count, RecordLease lease) {
    current_.keep(std::move(lease));
    add_by_partition(current_, records, count,
                     [this](uint32_t slot, const ss_record *run, size_t n) { current_.add_kept_run(slot, run, n); });
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
