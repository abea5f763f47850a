// Storage for the key and value bytes of one block: chunks that never move, so a record
// points into them from the moment it is received until the block is freed. One
// allocation per chunk instead of one (or two) per record, and chunks of freed blocks
// are reused through a ChunkPool: fresh memory costs a page fault per 4 KiB, which
// profiled as the largest cost of receiving after librdkafka itself.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace streamsubmit::runtime {

// Free chunks of RecordArena::kChunkBytes, shared by the arenas of one job. It keeps
// at most `keep_bytes`: what it holds was in blocks before, so it never grows the
// process beyond the largest amount the blocks held at once.
class ChunkPool {
public:
    explicit ChunkPool(size_t keep_bytes) : keep_(keep_bytes) {}
    std::unique_ptr<char[]> take(); // a pooled chunk, or a new one
    void give(std::unique_ptr<char[]> chunk);
    size_t pooled_bytes() const;

private:
    mutable std::mutex mu_;
    size_t keep_;
    std::vector<std::unique_ptr<char[]>> free_;
};

class RecordArena {
public:
    static constexpr size_t kFirstChunk = 16 * 1024; // a quiet block stays small
    static constexpr size_t kChunkBytes = 1024 * 1024;

    explicit RecordArena(std::shared_ptr<ChunkPool> pool = nullptr) : pool_(std::move(pool)) {}
    RecordArena(RecordArena &&other) noexcept { *this = std::move(other); }
    RecordArena &operator=(RecordArena &&other) noexcept;
    RecordArena(const RecordArena &) = delete;
    RecordArena &operator=(const RecordArena &) = delete;
    ~RecordArena() { release(); }

    // Room for `n` bytes, valid until the arena is destroyed.
    char *allocate(size_t n);
    // Bytes allocated from the system (what the arena costs in memory).
    size_t capacity_bytes() const { return capacity_; }

private:
    struct Chunk {
        std::unique_ptr<char[]> data;
        size_t size = 0;
    };
    void release();

    std::shared_ptr<ChunkPool> pool_;
    std::vector<Chunk> chunks_;
    size_t used_ = 0; // in the last chunk
    size_t capacity_ = 0;
};

} // namespace streamsubmit::runtime
