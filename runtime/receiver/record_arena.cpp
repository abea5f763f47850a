#include "runtime/receiver/record_arena.h"

#include <sys/mman.h>

#include <algorithm>
#include <new>
#include <utility>

namespace streamsubmit::runtime {

void UnmapChunk::operator()(char *p) const noexcept {
    if (p) ::munmap(p, size);
}

ChunkPtr map_chunk(size_t size) {
    void *p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return ChunkPtr(static_cast<char *>(p), UnmapChunk{size});
}

ChunkPtr ChunkPool::take() {
    {
        std::lock_guard lock(mu_);
        if (!free_.empty()) {
            auto chunk = std::move(free_.back());
            free_.pop_back();
            return chunk;
        }
    }
    return map_chunk(RecordArena::kChunkBytes);
}

void ChunkPool::give(ChunkPtr chunk) {
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

void RecordArena::add_chunk(size_t n) {
    Chunk c;
    if (chunks_.empty() && n <= kFirstChunk) {
        c = {map_chunk(kFirstChunk), kFirstChunk};
    } else if (n <= kChunkBytes) {
        c = {pool_ ? pool_->take() : map_chunk(kChunkBytes), kChunkBytes};
    } else { // a record larger than a chunk gets one of its own
        c = {map_chunk(n), n};
    }
    capacity_ += c.size;
    chunks_.push_back(std::move(c));
    used_ = 0;
}

} // namespace streamsubmit::runtime
