// An append-only array kept in ChunkPool chunks, for a block's record entries.
//
// A std::vector of entries grew by reallocation to ~4 MiB per block of 100-byte records, was
// taken from the receiver thread's malloc arena and given back by the driver thread: glibc
// then mapped, trimmed and refaulted those megabytes for every block (receiver runs took ~7%
// less CPU with trimming and mmap switched off, 3 M x 100 B). Here the entries live in the
// same pooled chunks as the records' bytes, so a freed block's index memory is reused
// without a page fault, and entries never move while the array grows.
//
// A small array takes one small chunk of its own (a quiet stream's block should not cost a
// whole pooled chunk); from `expected` elements on, or once that chunk is full, it takes
// pooled chunks.
#pragma once

#include "runtime/receiver/record_arena.h"

#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace streamsubmit::runtime {

template <typename T> class ChunkedArray {
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

public:
    static constexpr size_t kPerChunk = RecordArena::kChunkBytes / sizeof(T);
    static constexpr size_t kPerFirstChunk = RecordArena::kFirstChunk / sizeof(T);

    // `pool` may be null (every chunk mapped and unmapped on its own).
    explicit ChunkedArray(std::shared_ptr<ChunkPool> pool = nullptr, size_t expected = 0)
        : pool_(std::move(pool)), first_capacity_(expected > kPerFirstChunk ? kPerChunk : kPerFirstChunk) {}
    ChunkedArray(ChunkedArray &&other) noexcept { *this = std::move(other); }
    ChunkedArray &operator=(ChunkedArray &&other) noexcept {
        if (this != &other) {
            release();
            pool_ = std::move(other.pool_);
            chunks_ = std::move(other.chunks_);
            first_capacity_ = other.first_capacity_;
            size_ = std::exchange(other.size_, 0);
            next_ = std::exchange(other.next_, nullptr);
            end_ = std::exchange(other.end_, nullptr);
            other.chunks_.clear();
        }
        return *this;
    }
    ChunkedArray(const ChunkedArray &) = delete;
    ChunkedArray &operator=(const ChunkedArray &) = delete;
    ~ChunkedArray() { release(); }

    // Room for the next element, to be written field by field: an element built on the stack
    // in narrow stores and then copied with wide loads stalls on store forwarding (half of
    // Block::reserve's samples, 3 M x 100 B).
    T *append() {
        if (next_ == end_) grow();
        T *out = ::new (static_cast<void *>(next_)) T; // trivial: begins its lifetime, writes nothing
        next_ += sizeof(T);
        ++size_;
        return out;
    }
    const T &operator[](size_t i) const {
        const auto [chunk, at] = locate(i);
        return *std::launder(reinterpret_cast<const T *>(chunks_[chunk].get() + at * sizeof(T)));
    }
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    // Bytes taken from the system or the pool.
    size_t capacity_bytes() const {
        if (chunks_.empty()) return 0;
        const size_t first = first_capacity_ == kPerChunk ? RecordArena::kChunkBytes : RecordArena::kFirstChunk;
        return first + (chunks_.size() - 1) * RecordArena::kChunkBytes;
    }

private:
    std::pair<size_t, size_t> locate(size_t i) const {
        if (i < first_capacity_) return {0, i};
        i -= first_capacity_;
        return {1 + i / kPerChunk, i % kPerChunk};
    }
    // The current chunk is full (or there is none): the next one.
    void grow() {
        const size_t elements = chunks_.empty() ? first_capacity_ : kPerChunk;
        chunks_.push_back(new_chunk(elements));
        next_ = chunks_.back().get();
        end_ = next_ + elements * sizeof(T);
    }
    ChunkPtr new_chunk(size_t elements) {
        if (elements == kPerChunk && pool_) return pool_->take();
        return map_chunk(elements == kPerChunk ? RecordArena::kChunkBytes : RecordArena::kFirstChunk);
    }
    void release() {
        if (pool_)
            for (size_t c = 0; c < chunks_.size(); ++c)
                if (c > 0 || first_capacity_ == kPerChunk) pool_->give(std::move(chunks_[c]));
        chunks_.clear();
        size_ = 0;
        next_ = end_ = nullptr;
    }

    std::shared_ptr<ChunkPool> pool_;
    std::vector<ChunkPtr> chunks_;
    size_t first_capacity_ = kPerFirstChunk; // elements in chunks_[0]
    size_t size_ = 0;
    char *next_ = nullptr; // where push_back writes, in the last chunk
    char *end_ = nullptr;  // the last chunk's end
};

} // namespace streamsubmit::runtime
