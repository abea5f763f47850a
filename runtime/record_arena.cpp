#include "runtime/record_arena.h"

#include <algorithm>
#include <utility>

namespace streamsubmit::runtime {

std::unique_ptr<char[]> ChunkPool::take() {
    {
        std::lock_guard lock(mu_);
        if (!free_.empty()) {
            auto chunk = std::move(free_.back());
            free_.pop_back();
            return chunk;
        }
    }
    return std::unique_ptr<char[]>(new char[RecordArena::kChunkBytes]);
}

void ChunkPool::give(std::unique_ptr<char[]> chunk) {
    std::lock_guard lock(mu_);
    if ((free_.size() + 1) * RecordArena::kChunkBytes <= keep_) free_.push_back(std::move(chunk));
}

size_t ChunkPool::pooled_bytes() const {
    std::lock_guard lock(mu_);
    return free_.size() * RecordArena::kChunkBytes;
}

RecordArena &RecordArena::operator=(RecordArena &&other) noexcept {
    if (this != &other) {
        release();
        pool_ = std::move(other.pool_);
        chunks_ = std::move(other.chunks_);
        used_ = std::exchange(other.used_, 0);
        capacity_ = std::exchange(other.capacity_, 0);
        other.chunks_.clear();
    }
    return *this;
}

void RecordArena::release() {
    if (pool_)
        for (auto &c : chunks_)
            if (c.size == kChunkBytes) pool_->give(std::move(c.data));
    chunks_.clear();
    used_ = 0;
    capacity_ = 0;
}

char *RecordArena::allocate(size_t n) {
    if (chunks_.empty() || chunks_.back().size - used_ < n) {
        Chunk c;
        if (chunks_.empty() && n <= kFirstChunk) {
            c = {std::unique_ptr<char[]>(new char[kFirstChunk]), kFirstChunk};
        } else if (n <= kChunkBytes) {
            c = {pool_ ? pool_->take() : std::unique_ptr<char[]>(new char[kChunkBytes]), kChunkBytes};
        } else { // a record larger than a chunk gets one of its own
            c = {std::unique_ptr<char[]>(new char[n]), n};
        }
        capacity_ += c.size;
        chunks_.push_back(std::move(c));
        used_ = 0;
    }
    char *out = chunks_.back().data.get() + used_;
    used_ += n;
    return out;
}

} // namespace streamsubmit::runtime
