#include "runtime/receiver/block.h"
#include "runtime/receiver/chunked_array.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <string>

using streamsubmit::runtime::Block;
using streamsubmit::runtime::ChunkedArray;
using streamsubmit::runtime::ChunkPool;
using streamsubmit::runtime::RecordArena;

namespace {
struct Entry40 {
    int64_t a, b, c, d, e;
};
} // namespace

TEST_CASE("chunked array: elements keep their values and addresses across chunks") {
    auto pool = std::make_shared<ChunkPool>(64u << 20);
    ChunkedArray<Entry40> array(pool);
    const size_t n = ChunkedArray<Entry40>::kPerFirstChunk + 2 * ChunkedArray<Entry40>::kPerChunk + 7;
    const Entry40 *first = nullptr;
    for (size_t i = 0; i < n; ++i) {
        const auto v = static_cast<int64_t>(i);
        *array.append() = {v, -v, v * 3, 7, v ^ 0x55};
        if (i == 0) first = &array[0];
    }
    REQUIRE(array.size() == n);
    CHECK(&array[0] == first); // never moved while it grew
    bool all = true;
    for (size_t i = 0; i < n; ++i) {
        const auto v = static_cast<int64_t>(i);
        const Entry40 &e = array[i];
        all = all && e.a == v && e.b == -v && e.c == v * 3 && e.d == 7 && e.e == (v ^ 0x55);
    }
    CHECK(all);
    CHECK(array.capacity_bytes() == RecordArena::kFirstChunk + 3 * RecordArena::kChunkBytes);
}

TEST_CASE("chunked array: a small array costs a small chunk, its pooled chunks go back to the pool") {
    auto pool = std::make_shared<ChunkPool>(64u << 20);
    {
        ChunkedArray<Entry40> small(pool);
        *small.append() = {1, 2, 3, 4, 5};
        CHECK(small.capacity_bytes() == RecordArena::kFirstChunk);
    }
    CHECK(pool->pooled_bytes() == 0); // the small chunk is unmapped, not pooled
    {
        ChunkedArray<Entry40> big(pool, 100'000); // expected to be large: pooled chunks from the start
        for (int i = 0; i < 100'000; ++i) *big.append() = {i, 0, 0, 0, 0};
        CHECK(big.capacity_bytes() == 4 * RecordArena::kChunkBytes);
        CHECK(big[99'999].a == 99'999);
    }
    CHECK(pool->pooled_bytes() == 4 * RecordArena::kChunkBytes);
    ChunkedArray<Entry40> again(pool, 100'000);
    *again.append() = {9, 9, 9, 9, 9};
    CHECK(pool->pooled_bytes() == 3 * RecordArena::kChunkBytes); // reused, not mapped anew
}

TEST_CASE("chunked array: a moved-from array is empty and the moved-to one owns the chunks") {
    auto pool = std::make_shared<ChunkPool>(64u << 20);
    ChunkedArray<Entry40> a(pool, 100'000);
    *a.append() = {1, 2, 3, 4, 5};
    ChunkedArray<Entry40> b(std::move(a));
    CHECK(a.empty());
    CHECK(a.capacity_bytes() == 0);
    REQUIRE(b.size() == 1);
    CHECK(b[0].e == 5);
}

TEST_CASE("a block's records survive its index growing past a chunk") {
    auto pool = std::make_shared<ChunkPool>(64u << 20);
    Block block(pool);
    const std::string topic = "t";
    const size_t n = RecordArena::kChunkBytes / Block::kEntryBytes * 2 + 100;
    for (size_t i = 0; i < n; ++i) {
        const std::string value = std::to_string(i);
        ss_record r{};
        r.struct_size = sizeof(ss_record);
        r.topic = topic.c_str();
        r.partition = static_cast<int32_t>(i % 3);
        r.offset = static_cast<int64_t>(i);
        r.value = value.data();
        r.value_len = value.size();
        block.add(r);
    }
    REQUIRE(block.size() == n);
    bool all = true;
    for (size_t i = 0; i < n; i += 997) {
        const auto v = block.record(i);
        all = all && v.offset == static_cast<int64_t>(i) && v.value && *v.value == std::to_string(i) && !v.key &&
              v.tp->partition == static_cast<int32_t>(i % 3);
    }
    CHECK(all);
    CHECK(block.memory_bytes() >= 3 * RecordArena::kChunkBytes);
}
