#include "runtime/block_generator.h"

#include <algorithm>

namespace streamsubmit::runtime {

BlockGenerator::BlockGenerator(int receiver, std::chrono::milliseconds interval, Clock::time_point start)
    : receiver_(receiver), interval_(std::max(interval, std::chrono::milliseconds(1))), next_(start + interval_) {}

void BlockGenerator::add(const ss_record *records, size_t count) {
    current_.records.reserve(current_.records.size() + count);
    for (size_t i = 0; i < count; ++i) {
        const ss_record &r = records[i];
        ReceivedRecord rec;
        rec.tp = {r.topic ? r.topic : "", r.partition};
        rec.offset = r.offset;
        rec.timestamp_ms = r.timestamp_ms;
        if (r.key) rec.key.emplace(static_cast<const char *>(r.key), r.key_len);
        if (r.value) rec.value.assign(static_cast<const char *>(r.value), r.value_len);
        add(std::move(rec));
    }
}

void BlockGenerator::add(ReceivedRecord record) {
    current_.memory_bytes += record.memory_bytes();
    current_.records.push_back(std::move(record));
}

std::optional<Block> BlockGenerator::tick(Clock::time_point now, int64_t epoch_ms) {
    if (now < next_) return std::nullopt;
    const auto late = (now - next_) / interval_; // whole intervals missed
    next_ += interval_ * (late + 1);
    return seal(epoch_ms);
}

std::optional<Block> BlockGenerator::seal(int64_t epoch_ms) {
    if (current_.records.empty()) return std::nullopt;
    Block out = std::move(current_);
    current_ = Block{};
    out.receiver = receiver_;
    out.seq = next_seq_++;
    out.time_ms = epoch_ms;
    return out;
}

} // namespace streamsubmit::runtime
