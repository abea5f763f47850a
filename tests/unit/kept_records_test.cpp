// Blocks that keep a delivery's values in the connector's buffers (ABI 2.5) instead of copying
// them: what they point at, what they count, and that every lease is released exactly once.
#include "runtime/receiver/block_generator.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

using namespace streamsubmit::runtime;
using namespace std::chrono_literals;

namespace {

// A connector's lease: release counts per lease.
struct FakeLeases {
    std::vector<int> released;
};
FakeLeases *g_leases = nullptr;

void release_fake(ss_source *, ss_record_lease *lease) {
    ++g_leases->released.at(reinterpret_cast<uintptr_t>(lease) - 1);
}

RecordLease lease(int index, std::shared_ptr<std::atomic<int64_t>> outstanding) {
    return RecordLease(release_fake, nullptr, reinterpret_cast<ss_record_lease *>(static_cast<uintptr_t>(index + 1)),
                       std::move(outstanding));
}

ss_record rec(int64_t offset, const std::string *key, const std::string *value, const ss_header *headers = nullptr,
              size_t header_count = 0) {
    ss_record r{};
    r.struct_size = sizeof(ss_record);
    r.topic = "t";
    r.partition = 3;
    r.offset = offset;
    r.timestamp_ms = 1000 + offset;
    r.timestamp_type = SS_TIMESTAMP_LOG_APPEND_TIME;
    r.key = key ? key->data() : nullptr;
    r.key_len = key ? key->size() : 0;
    r.value = value ? value->data() : nullptr;
    r.value_len = value ? value->size() : 0;
    r.headers = headers;
    r.header_count = header_count;
    r.header_stride = sizeof(ss_header);
    return r;
}

} // namespace

TEST_CASE("a kept record points at the connector's value and copies key and headers") {
    FakeLeases leases{{0, 0}};
    g_leases = &leases;
    auto outstanding = std::make_shared<std::atomic<int64_t>>(0);
    const std::string key = "k1", big(4096, 'v'), empty;
    const ss_header headers[] = {{"trace", "abc", 3}, {"null", nullptr, 0}};
    const ss_record delivery[] = {rec(7, &key, &big, headers, 2), rec(8, nullptr, &empty), rec(9, &key, nullptr)};
    {
        BlockGenerator gen(0, 200ms, std::chrono::steady_clock::now());
        gen.add_kept(delivery, 3, lease(0, outstanding));
        CHECK(*outstanding == 1);
        auto block = gen.seal(5);
        REQUIRE(block.has_value());
        REQUIRE(block->size() == 3);

        const RecordView v = block->record(0);
        CHECK(v.offset == 7);
        CHECK(v.timestamp_ms == 1007);
        CHECK(v.timestamp_type == SS_TIMESTAMP_LOG_APPEND_TIME);
        REQUIRE(v.value.has_value());
        CHECK(v.value->data() == big.data()); // not copied
        CHECK(*v.value == big);
        REQUIRE(v.key.has_value());
        CHECK(v.key->data() != key.data()); // copied
        CHECK(*v.key == "k1");
        const auto records = block->to_records();
        REQUIRE(records[0].headers.size() == 2);
        CHECK(records[0].headers[0] == ReceivedHeader{"trace", std::string("abc")});
        CHECK(records[0].headers[1] == ReceivedHeader{"null", std::nullopt});
        // An empty value is kept as empty, no key stays no key, a tombstone stays null.
        CHECK(records[1].value == std::optional<std::string>(""));
        CHECK_FALSE(records[1].key.has_value());
        CHECK_FALSE(records[2].value.has_value());
        CHECK(records[2].key == std::optional<std::string>("k1"));

        // The kept bytes count as the block's memory, with librdkafka's message for each.
        CHECK(block->memory_bytes() >= big.size() + 2 * Block::kKeptMessageBytes);
        CHECK(block->payload_bytes() == static_cast<int64_t>(2 + 4096 + 2));

        Block moved = std::move(*block); // a move hands the lease on, releasing nothing
        CHECK(leases.released[0] == 0);
        CHECK(moved.record(0).value->data() == big.data());
    }
    CHECK(leases.released[0] == 1); // with the block, once
    CHECK(*outstanding == 0);
    g_leases = nullptr;
}

TEST_CASE("a block holds every lease of the deliveries it kept, mixed with copied ones") {
    FakeLeases leases{{0, 0}};
    g_leases = &leases;
    auto outstanding = std::make_shared<std::atomic<int64_t>>(0);
    const std::string big(3000, 'x'), small = "s";
    const ss_record kept1[] = {rec(1, nullptr, &big)};
    const ss_record copied[] = {rec(2, nullptr, &small)};
    const ss_record kept2[] = {rec(3, nullptr, &big)};
    {
        BlockGenerator gen(0, 200ms, std::chrono::steady_clock::now());
        gen.add_kept(kept1, 1, lease(0, outstanding));
        gen.add(copied, 1);
        gen.add_kept(kept2, 1, lease(1, outstanding));
        CHECK(*outstanding == 2);
        auto block = gen.seal(1);
        REQUIRE(block->size() == 3);
        CHECK(block->record(1).value->data() != small.data());
        CHECK(*block->record(1).value == "s");
        CHECK(block->record(2).value->data() == big.data());
        // The generator's next block starts without them.
        CHECK(gen.buffered_records() == 0);
    }
    CHECK(leases.released == std::vector<int>{1, 1});
    CHECK(*outstanding == 0);
    g_leases = nullptr;
}

TEST_CASE("only deliveries of large values are worth keeping") {
    const std::string small(100, 's'), big(Block::kKeepValueBytes, 'b'), huge(10 * Block::kKeepValueBytes, 'h');
    const ss_record smalls[] = {rec(1, nullptr, &small), rec(2, nullptr, &small)};
    const ss_record bigs[] = {rec(1, nullptr, &big), rec(2, nullptr, &big)};
    const ss_record mixed[] = {rec(1, nullptr, &small), rec(2, nullptr, &huge)};
    const ss_record tombstones[] = {rec(1, nullptr, nullptr)};
    CHECK_FALSE(Block::worth_keeping(smalls, 2));
    CHECK(Block::worth_keeping(bigs, 2));
    CHECK(Block::worth_keeping(mixed, 2)); // by the average: the copy of the huge one is what costs
    CHECK_FALSE(Block::worth_keeping(tombstones, 1));
    CHECK_FALSE(Block::worth_keeping(bigs, 0));
}
