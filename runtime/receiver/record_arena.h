// Storage for the key and value bytes of one block: chunks that never move, so a record
// points into them from the moment it is received until the block is freed. One
// allocation per chunk instead of one (or two) per record, and chunks of freed blocks
// are reused through a ChunkPool: fresh memory costs a page fault per 4 KiB, which
// profiled as the largest cost of receiving after librdkafka itself. Chunks are mapped
// from the system directly, not taken from malloc: glibc keeps freed 1 MiB blocks in the
// per-thread arena of the receiver that allocated them, and with librdkafka's fetch buffers
// in the same arenas that fragmentation made up to a third of a receiver job's peak RSS
// (pmap: four arenas of 23-55 MiB with the write-ahead log on 10 KiB records).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace streamsubmit::runtime {

// Frees a chunk mapped by map_chunk.
struct UnmapChunk {
    size_t size = 0;
    void operator()(char *p) const noexcept;
};
using ChunkPtr = std::unique_ptr<char[], UnmapChunk>;
// `size` bytes mapped from the system (zeroed on first touch); throws std::bad_alloc.
ChunkPtr map_chunk(size_t size);

// Free chunks of RecordArena::kChunkBytes, shared by the arenas of one job. It keeps
// at most `keep_bytes`: what it holds was in blocks before, so it never grows the
// process beyond the largest amount the blocks held at once.
class ChunkPool {
public:
    explicit ChunkPool(size_t keep_bytes) : keep_(keep_bytes) {}
    ChunkPtr take(); // a pooled chunk, or a new one
    void give(ChunkPtr chunk);
    size_t pooled_bytes() const;

private:
    mutable std::mutex mu_;
    size_t keep_;
    std::vector<ChunkPtr> free_;
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

    // Room for `n` bytes, valid until the arena is destroyed. Inline: once per record.
    char *allocate(size_t n) {
        if (chunks_.empty() || chunks_.back().size - used_ < n) add_chunk(n);
        char *out = chunks_.back().data.get() + used_;
        used_ += n;
        return out;
    }
    // Bytes allocated from the system (what the arena costs in memory).
    size_t capacity_bytes() const { return capacity_; }

private:
    struct Chunk {
        ChunkPtr data;
        size_t size = 0;
    };
    void add_chunk(size_t n); // the last chunk has less than n bytes left (or there is none)
    void release();

    std::shared_ptr<ChunkPool> pool_;
    std::vector<Chunk> chunks_;
    size_t used_ = 0; // in the last chunk
    size_t capacity_ = 0;
};

} // namespace streamsubmit::runtime
