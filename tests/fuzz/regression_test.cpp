// The bugs the fuzzers found, as plain unit tests (their inputs are also replayed from
// regressions/<target>/ by replay_main.cpp).
#include <doctest/doctest.h>

#include "resolver/coordinate.h"
#include "runtime/progress/checkpoint.h"
#include "runtime/direct/starting_offsets.h"

using namespace streamsubmit;

TEST_CASE("checkpoint: a number that is not an integer of the right size is corruption, not UB") {
    // fuzz_checkpoint: {"format":2.2e60} made get<int>() convert an out-of-range double (UBSan).
    for (const char *text : {R"({"format":2222222222222222222222222222222222222222222222222222222222222})",
                             R"({"format":1.0,"batch":0,"time":0,"status":"planned","ranges":[]})",
                             R"({"format":1,"batch":1e300,"time":0,"status":"planned","ranges":[]})",
                             R"({"format":1,"batch":18446744073709551615,"time":0,"status":"planned","ranges":[]})",
                             R"({"format":1,"batch":0,"time":0,"status":"planned","ranges":[{"topic":"t","partition":1e300,"from":0,"until":1}]})",
                             R"({"format":1,"batch":0,"time":0,"status":"planned","ranges":[{"topic":"t","partition":4294967296,"from":0,"until":1}]})",
                             R"({"format":1,"batch":0,"time":0,"status":"planned","ranges":[{"topic":"t","partition":0,"from":0.5,"until":1}]})"}) {
        INFO(text);
        const auto r = runtime::batch_record_from_json(text, "f.json");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().what.find("checkpoint is corrupt") == 0);
    }
    const auto ok = runtime::batch_record_from_json(
        R"({"format":1,"batch":9223372036854775807,"time":0,"status":"complete","ranges":[{"topic":"t","partition":2147483647,"from":0,"until":1}]})",
        "f.json");
    REQUIRE(ok.ok());
    CHECK(ok->id == INT64_MAX);
    CHECK(ok->ranges.at(0).tp.partition == INT32_MAX);
}

TEST_CASE("coordinate: a groupId starting or ending with '.' cannot name a path outside the repository") {
    // fuzz_coordinate: "com.example./plugin:1.0" had the path "com/example//plugin/...", and
    // ".evil:a:1.0" the absolute path "/evil/a/1.0/a-1.0.jar".
    for (const char *text : {"com.example./plugin:1.0", ".evil:a:1.0", ".:a:1.0", "g:a:jar:.:1.0", "g:a:1.0."}) {
        INFO(text);
        const auto c = resolver::parse_coordinate(text);
        REQUIRE_FALSE(c.ok());
        CHECK(c.error().what.find("starts or ends with '.'") != std::string::npos);
    }
    CHECK(resolver::parse_coordinate("org.apache.kafka:kafka-clients:3.9.0").ok());
}

TEST_CASE("startingOffsets: 2^64-1 is not an offset (it used to wrap to -1, latest)") {
    CHECK_FALSE(runtime::parse_starting_offsets_json(R"({"t":{"0":18446744073709551615}})").ok());
    CHECK(runtime::parse_starting_offsets_json(R"({"t":{"0":9223372036854775807}})").ok());
}

#include "resolver/metadata.h"

TEST_CASE("maven-metadata merge: versions that compare equal but differ in text are not duplicated") {
    // fuzz_metadata: versions "1. ", "1*5", "1.0" (all equal to Maven) grew on every merge.
    resolver::MavenMetadata a, b;
    a.versions = {"1", "1.0"};
    b.versions = {"1", "2"};
    const auto m = resolver::merge_metadata(a, b);
    CHECK(m.versions == std::vector<std::string>{"1", "1.0", "2"});
    CHECK(resolver::merge_metadata(m, m).versions == m.versions);
}

TEST_CASE("maven-metadata merge keeps the first list's order and puts new versions in place") {
    resolver::MavenMetadata a, b, unsorted;
    a.versions = {"1.0", "2.0"};
    b.versions = {"1.5", "3.0", "0.5", "2.0"};
    const auto m = resolver::merge_metadata(a, b);
    CHECK(m.versions == std::vector<std::string>{"0.5", "1.0", "1.5", "2.0", "3.0"});
    CHECK(resolver::merge_metadata(m, m).versions == m.versions);
    unsorted.versions = {"2.0", "1.0"}; // as a repository listed them: not reordered
    CHECK(resolver::merge_metadata(unsorted, unsorted).versions == unsorted.versions);
}

#include "runtime/receiver/write_ahead_log.h"

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

TEST_CASE("write-ahead log: a record whose offset is negative or INT64_MAX is corruption, not UB") {
    // fuzz_wal: a CRC-valid record at offset INT64_MAX overflowed "highest offset + 1" (UBSan).
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("streamsubmit-walregression-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    const std::string topic = "orders";
    for (const int64_t offset : {std::numeric_limits<int64_t>::max(), int64_t{-1}, int64_t{41}}) {
        INFO(offset);
        runtime::Block block;
        ss_record r{};
        r.topic = topic.c_str();
        r.offset = 7;
        r.value = "v";
        r.value_len = 1;
        r.struct_size = sizeof(ss_record);
        r.header_stride = sizeof(ss_header);
        block.add(r);
        std::string payload = runtime::wal_encode_block(1, block);
        // kind, batch, receiver, seq, time, count, topic length, topic, partition: then the offset.
        const size_t at = 1 + 8 + 4 + 8 + 8 + 4 + 2 + topic.size() + 4;
        REQUIRE(payload.size() > at + 8);
        REQUIRE(payload[at] == 7);
        for (int i = 0; i < 8; ++i) payload[at + i] = static_cast<char>((static_cast<uint64_t>(offset) >> (8 * i)) & 0xFF);
        {
            auto wal = runtime::WriteAheadLog::open(dir);
            REQUIRE(wal.ok());
            std::ofstream(wal->segment_path(1), std::ios::binary)
                << runtime::wal_segment_header(1, 42) << runtime::wal_frame(payload, 42);
            const auto recovered = wal->recover();
            if (offset == 41) {
                REQUIRE(recovered.ok());
                REQUIRE(recovered->segments.size() == 1);
                CHECK(recovered->segments[0].blocks.at(0).partitions().at(0).next == 42);
            } else {
                REQUIRE_FALSE(recovered.ok());
                CHECK(recovered.error().what.find("cannot be decoded") != std::string::npos);
            }
        }
        fs::remove_all(dir);
    }
}
