// The files sink's rolling (sink.files.roll*), driven through its calls as the host makes them:
// files span batches and are cut at exactly the limit, an aborted batch is cut back out of an
// open file, recover answers the end of the rolled files (behind the host after a crash), and
// the end of the job rolls what committed batches left open.
#include "plugins/sinks/files/files_sink.h"
#include "plugins/sinks/files/files_progress.h"

#include "temp_dir.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace streamsubmit::sinks;
namespace fs = std::filesystem;

namespace {

using streamsubmit::testing::TempDir;

// The final (visible) files of a directory, by name.
std::set<std::string> final_files(const fs::path &dir) {
    std::set<std::string> out;
    for (const auto &e : fs::directory_iterator(dir))
        if (!e.path().filename().string().starts_with(".")) out.insert(e.path().filename().string());
    return out;
}

std::string read(const fs::path &file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string name(int64_t start, std::optional<int64_t> last = std::nullopt, const char *ext = ".jsonl") {
    return file_name("t", 0, start, last, ext);
}

// The offsets in a JSON Lines file of the sink.
std::vector<int64_t> offsets_in(const fs::path &file) {
    std::vector<int64_t> out;
    std::istringstream lines(read(file));
    for (std::string line; std::getline(lines, line);) {
        const auto at = line.find("\"offset\":");
        out.push_back(std::stoll(line.substr(at + 9)));
    }
    return out;
}

std::vector<int64_t> iota(int64_t from, int64_t until) {
    std::vector<int64_t> out;
    for (int64_t o = from; o < until; ++o) out.push_back(o);
    return out;
}

// Runs one batch of partition t/0 over [from, until) (a record at every offset) through the sink.
struct Batch {
    int64_t id;
    int64_t from, until;
    std::string value = "v";
    ss_offset_range range{};
    ss_batch batch{};
    std::vector<ss_record> records;

    // A batch without ranges (group mode: the partition was revoked).
    explicit Batch(int64_t id_) : Batch(id_, 0, 0) { batch.range_count = 0; }
    Batch(int64_t id_, int64_t from_, int64_t until_) : id(id_), from(from_), until(until_) {
        range = {"t", 0, from, until};
        batch.struct_size = sizeof(ss_batch);
        batch.id = id;
        batch.mode = "direct";
        batch.ranges = &range;
        batch.range_count = 1;
        batch.range_stride = sizeof(ss_offset_range);
        for (int64_t o = from; o < until; ++o)
            records.push_back({.struct_size = sizeof(ss_record), .partition = 0, .topic = "t", .offset = o,
                               .timestamp_ms = 1, .timestamp_type = SS_TIMESTAMP_CREATE_TIME, .key = nullptr,
                               .key_len = 0, .value = value.data(), .value_len = value.size(), .headers = nullptr,
                               .header_count = 0, .header_stride = sizeof(ss_header), .range_index = 0});
    }
    void process(FilesSink &sink) {
        if (!records.empty()) REQUIRE_FALSE(sink.process(batch, range, records.data(), records.size(), sizeof(ss_record)));
        if (until > from) REQUIRE_FALSE(sink.finish_range(batch, range));
    }
    void run(FilesSink &sink) {
        process(sink);
        const auto e = sink.commit(batch);
        REQUIRE_MESSAGE(!e, e.message);
    }
};

std::unique_ptr<FilesSink> make_sink(const fs::path &dir, RollLimits roll, bool json = true, bool group = false,
                                     bool receiver = false) {
    FilesSinkOptions options;
    options.dir = dir;
    options.roll = roll;
    options.format.json = json;
    options.group = group;
    options.receiver_mode = receiver;
    SinkError error;
    auto sink = FilesSink::create(std::move(options), error);
    REQUIRE_MESSAGE(sink, error.message);
    return sink;
}

int64_t recover(FilesSink &sink, int64_t host_offset) {
    ss_topic_partition tp{"t", 0, host_offset};
    REQUIRE_FALSE(sink.recover(&tp, 1, sizeof tp));
    return tp.offset;
}

// A crash: the sink object is never destroyed, so it rolls nothing; its open files stay temporary.
// A crash: the sink is never destroyed (its destructor would roll the open files). Kept reachable
// from a global, never freed, so LeakSanitizer does not count it as a leak.
void crash(std::unique_ptr<FilesSink> &sink) {
    static auto *crashed = new std::vector<std::unique_ptr<FilesSink>>;
    crashed->push_back(std::move(sink));
}

} // namespace

TEST_CASE("rollRecords: files span batches, hold exactly the limit, and are cut mid-batch") {
    TempDir dir;
    auto sink = make_sink(dir.path, {.records = 4});
    CHECK(recover(*sink, 0) == 0);
    Batch(1, 0, 6).run(*sink);
    CHECK(final_files(dir.path) == std::set<std::string>{name(0)});
    CHECK(offsets_in(dir.path / name(0)) == iota(0, 4));
    Batch(2, 6, 7).run(*sink); // 4, 5, 6 stay open
    CHECK(final_files(dir.path).size() == 1);
    Batch(3, 7, 13).run(*sink); // 4..7 roll, 8..11 fill the next file, which rolls at the batch's end
    CHECK(final_files(dir.path) == std::set<std::string>{name(0), name(4), name(8)});
    CHECK(offsets_in(dir.path / name(4)) == iota(4, 8));
    CHECK(offsets_in(dir.path / name(8)) == iota(8, 12));
    sink.reset(); // the end of the job rolls the open file (12)
    CHECK(offsets_in(dir.path / name(12)) == iota(12, 13));
    CHECK(final_files(dir.path).size() == 4);
}

TEST_CASE("an aborted batch is cut back out of the open file; the re-run writes the same files") {
    TempDir dir;
    auto sink = make_sink(dir.path, {.records = 4});
    recover(*sink, 0);
    Batch(1, 0, 2).run(*sink);
    Batch failed(2, 2, 7); // would roll 0..3 and open 4..6
    failed.process(*sink);
    sink->abort(failed.batch);
    CHECK(final_files(dir.path).empty());
    Batch(2, 2, 7).run(*sink);
    CHECK(final_files(dir.path) == std::set<std::string>{name(0)});
    CHECK(offsets_in(dir.path / name(0)) == iota(0, 4));
    sink.reset();
    CHECK(offsets_in(dir.path / name(4)) == iota(4, 7));
}

TEST_CASE("after a crash recover answers the end of the rolled files, behind the host, and the re-read "
          "lands under the same names") {
    TempDir dir;
    auto sink = make_sink(dir.path, {.records = 4});
    recover(*sink, 0);
    Batch(1, 0, 10).run(*sink); // 0..3, 4..7 rolled; 8, 9 open (the host's checkpoint says 10)
    crash(sink);
    sink = make_sink(dir.path, {.records = 4});
    CHECK(recover(*sink, 10) == 8); // the files win
    Batch(2, 8, 14).run(*sink);
    CHECK(final_files(dir.path) == std::set<std::string>{name(0), name(4), name(8)});
    CHECK(offsets_in(dir.path / name(8)) == iota(8, 12));
    crash(sink);
    sink = make_sink(dir.path, {.records = 4});
    CHECK(recover(*sink, 3) == 12); // ahead of the host: a crash between a roll and the checkpoint
}

TEST_CASE("a partition's first file is durable progress before it rolls: a crash does not skip its records") {
    TempDir dir;
    auto sink = make_sink(dir.path, {.records = 100});
    CHECK(recover(*sink, 500) == 500); // nothing in the directory: the host's starting offset
    Batch(1, 500, 510).run(*sink);
    CHECK(final_files(dir.path).empty());
    crash(sink);
    sink = make_sink(dir.path, {.records = 100});
    CHECK(recover(*sink, 510) == 500);
}

TEST_CASE("raw files carry their last offset in the name, so recover works for raw output too") {
    TempDir dir;
    auto sink = make_sink(dir.path, {.records = 3}, /*json=*/false);
    recover(*sink, 0);
    Batch(1, 0, 7).run(*sink);
    CHECK(final_files(dir.path) == std::set<std::string>{name(0, 2, ".raw"), name(3, 5, ".raw")});
    CHECK(read(dir.path / name(0, 2, ".raw")) == "v\nv\nv\n");
    crash(sink);
    sink = make_sink(dir.path, {.records = 3}, /*json=*/false);
    CHECK(recover(*sink, 7) == 6);
}

TEST_CASE("rollInterval rolls a file at the end of the first batch after it was open that long") {
    TempDir dir;
    auto sink = make_sink(dir.path, {.interval = std::chrono::milliseconds(50)});
    recover(*sink, 0);
    Batch(1, 0, 2).run(*sink);
    Batch(2, 2, 2).run(*sink); // no record: nothing due yet
    CHECK(final_files(dir.path).empty());
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    Batch(3, 2, 2).run(*sink); // an empty batch still rolls the file that is due
    CHECK(final_files(dir.path) == std::set<std::string>{name(0)});
    CHECK(offsets_in(dir.path / name(0)) == iota(0, 2));
}

TEST_CASE("without a roll limit every range is its own file, as before") {
    TempDir dir;
    auto sink = make_sink(dir.path, {});
    Batch(1, 0, 3).run(*sink);
    Batch(2, 3, 5).run(*sink);
    CHECK(final_files(dir.path) == std::set<std::string>{name(0), name(3)});
    crash(sink);
    sink = make_sink(dir.path, {});
    CHECK(recover(*sink, 3) == 5); // forward only
    CHECK(recover(*sink, 9) == 9);
}

TEST_CASE("group mode: a partition's progress moves when its file rolls; a stale instance's files are refused") {
    TempDir dir;
    auto a = make_sink(dir.path, {.records = 4}, true, /*group=*/true);
    CHECK(recover(*a, 0) == 0);
    Batch(1, 0, 2).run(*a); // A's open file holds 0, 1; the directory's progress says 0
    // A loses the partition (paused past its session); B takes it and continues at 0.
    auto b = make_sink(dir.path, {.records = 4}, true, true);
    CHECK(recover(*b, 2) == 0);
    Batch(1, 0, 5).run(*b); // B rolls 0..3: the progress moves to 4
    CHECK(final_files(dir.path) == std::set<std::string>{name(0)});
    Batch late(2, 2, 6); // A wakes up and commits another batch: refused, nothing written
    late.process(*a);
    const auto refused = a->commit(late.batch);
    CHECK(refused.status == SS_ERR_REBALANCED);
    CHECK(refused.message.find("another instance committed t+0 up to offset 4") != std::string::npos);
    a->abort(late.batch);
    CHECK(recover(*a, 2) == 4); // A asks again: where B's rolled file ends
    CHECK(final_files(dir.path) == std::set<std::string>{name(0)});
    CHECK(offsets_in(dir.path / name(0)) == iota(0, 4));
}

TEST_CASE("group mode: a batch that no longer names the partition (revoked) rolls its open file") {
    TempDir dir;
    auto sink = make_sink(dir.path, {.records = 100}, true, /*group=*/true);
    recover(*sink, 0);
    Batch(1, 0, 3).run(*sink);
    CHECK(final_files(dir.path).empty());
    Batch(2).run(*sink); // t-0 is not this instance's any more
    CHECK(final_files(dir.path) == std::set<std::string>{name(0)});
    auto next_owner = make_sink(dir.path, {.records = 100}, true, true);
    CHECK(recover(*next_owner, 0) == 3);
}

TEST_CASE("receiver mode: a replayed range past the rolled files is left to the re-read that recover asks for") {
    TempDir dir;
    auto sink = make_sink(dir.path, {.records = 4}, true, false, /*receiver=*/true);
    Batch(1, 0, 6).run(*sink); // 0..3 rolled, 4, 5 open (the write-ahead log then drops batch 1)
    crash(sink);
    sink = make_sink(dir.path, {.records = 4}, true, false, true);
    Batch(2, 6, 9).run(*sink); // replayed from the log before any assignment: does not continue 0..3
    CHECK(recover(*sink, 9) == 4); // the receivers read from 4 again
    Batch(3, 4, 9).run(*sink);
    CHECK(final_files(dir.path) == std::set<std::string>{name(0), name(4)});
    CHECK(offsets_in(dir.path / name(4)) == iota(4, 8));
    sink.reset();
    CHECK(offsets_in(dir.path / name(8)) == iota(8, 9));
}

TEST_CASE("rollBytes: a file rolls once it holds the limit; the record that reaches it is its last") {
    TempDir dir;
    Batch probe(1, 0, 1);
    std::string one;
    append_json_record(one, probe.records[0]);
    const auto line = static_cast<int64_t>(one.size()); // every record of these batches is as long
    auto sink = make_sink(dir.path, {.bytes = 2 * line + 1});
    recover(*sink, 0);
    Batch(1, 0, 7).run(*sink); // 0..2 reach the limit with the third record; so do 3..5
    CHECK(final_files(dir.path) == std::set<std::string>{name(0), name(3)});
    CHECK(offsets_in(dir.path / name(3)) == iota(3, 6));
    CHECK(static_cast<int64_t>(read(dir.path / name(0)).size()) == 3 * line);
}
