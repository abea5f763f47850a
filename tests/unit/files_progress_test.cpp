#include "plugins/sinks/support/record_format.h"
#include "plugins/sinks/files/files_progress.h"

#include "temp_dir.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

using namespace streamsubmit::sinks;
namespace fs = std::filesystem;

namespace {

// The shared scratch directory, with a helper to put a file in it.
struct TempDir : streamsubmit::testing::TempDir {
    void write(const std::string &name, const std::string &text) const { std::ofstream(path / name) << text; }
};

std::string json_lines(int64_t from, int64_t until, size_t value_bytes) {
    std::string out, value(value_bytes, 'v');
    for (int64_t o = from; o < until; ++o) {
        const ss_record r{.struct_size = sizeof(ss_record), .partition = 3, .topic = "orders", .offset = o,
                          .timestamp_ms = 1700000000000, .timestamp_type = SS_TIMESTAMP_CREATE_TIME, .key = "k",
                          .key_len = 1, .value = value.data(), .value_len = value.size(), .headers = nullptr,
                          .header_count = 0, .header_stride = sizeof(ss_header), .range_index = 0};
        append_json_record(out, r);
    }
    return out;
}

} // namespace

TEST_CASE("the files sink's progress is the newest final file of each partition, read from its last line") {
    TempDir dir;
    dir.write("orders+3+00000000000000000000.jsonl", json_lines(0, 10, 5));
    dir.write("orders+3+00000000000000000010.jsonl", json_lines(10, 25, 5));
    dir.write(".streamsubmit-tmp-orders+3+00000000000000000025.jsonl", json_lines(25, 30, 5)); // not committed
    dir.write("orders+3+00000000000000000099.raw", "ignored\n");
    dir.write("my-notes.txt", "ignored\n");
    dir.write("orders+x+1.jsonl", "ignored\n");
    // A record longer than the 64 KiB first read: the last line is found by reading further back.
    dir.write("other.topic+0+00000000000000000007.jsonl", json_lines(7, 9, 200000));

    const auto newest = newest_files(dir.path, ".jsonl");
    REQUIRE(newest.size() == 2);
    CHECK(newest.at({"orders", 3}).filename() == "orders+3+00000000000000000010.jsonl");
    CHECK(next_offset_of_json_file(newest.at({"orders", 3})) == 25);
    CHECK(next_offset_of_json_file(newest.at({"other.topic", 0})) == 9);
    dir.write("broken+0+00000000000000000000.jsonl", "not json\n");
    CHECK_FALSE(next_offset_of_json_file(dir.path / "broken+0+00000000000000000000.jsonl"));
    CHECK_FALSE(next_offset_of_json_file(dir.path / "missing.jsonl"));
}
