#include "runtime/receiver/write_ahead_log.h"
#include "runtime/receiver/receiver_hub.h"

#include "tests/unit/temp_dir.h"

#include <doctest/doctest.h>

#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include <filesystem>
#include <map>
#include <thread>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace streamsubmit;
using namespace streamsubmit::runtime;
namespace fs = std::filesystem;
using streamsubmit::testing::TempDir;

namespace {

Block block(int64_t seq, int64_t first_offset, int n) {
    Block b;
    b.receiver = 1;
    b.seq = seq;
    b.time_ms = 1700000000000 + seq;
    for (int i = 0; i < n; ++i) {
        ReceivedRecord r{{"orders", i % 2}, first_offset + i, 1700000000000 + i, std::nullopt,
                         "value-" + std::to_string(i), SS_TIMESTAMP_CREATE_TIME, {}};
        if (i % 3 != 0) r.key = "key-" + std::to_string(i);
        if (i == 4) r.key = ""; // an empty key is not a missing key
        if (i == 2) r.value = std::nullopt; // a tombstone
        if (i == 3) r.value = "";           // not a tombstone
        if (i == 5) r.key = std::string("\0\xff\x01", 3);
        if (i % 2) r.timestamp_type = SS_TIMESTAMP_LOG_APPEND_TIME;
        if (i % 4 == 1) r.headers = {{"trace", "t-" + std::to_string(i)}, {"nil", std::nullopt}, {"empty", ""},
                                     {"trace", std::string("\0\xfe", 2)}};
        b.add(r);
    }
    return b;
}

std::string slurp(const fs::path &p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void spit(const fs::path &p, const std::string &data) { std::ofstream(p, std::ios::binary | std::ios::trunc) << data; }

} // namespace

TEST_CASE("blocks appended to the log come back whole, by batch and in order") {
    TempDir tmp;
    {
        auto wal = WriteAheadLog::open(tmp.path / "wal");
        REQUIRE(wal.ok());
        REQUIRE(wal->append(3, block(0, 0, 10)).ok());
        REQUIRE(wal->append(3, block(1, 10, 5)).ok());
        REQUIRE(wal->append(4, block(2, 15, 7)).ok());
    }
    auto wal = WriteAheadLog::open(tmp.path / "wal");
    auto rec = wal->recover();
    REQUIRE(rec.ok());
    CHECK(rec->notes.empty());
    REQUIRE(rec->segments.size() == 2);
    CHECK(rec->segments[0].batch_id == 3);
    REQUIRE(rec->segments[0].blocks.size() == 2);
    CHECK(rec->segments[0].blocks[0].to_records() == block(0, 0, 10).to_records());
    CHECK(rec->segments[0].blocks[1].to_records() == block(1, 10, 5).to_records());
    CHECK(rec->segments[0].blocks[1].seq == 1);
    CHECK(rec->segments[0].blocks[1].time_ms == block(1, 10, 5).time_ms);
    CHECK(rec->segments[1].batch_id == 4);
    CHECK(rec->segments[1].blocks[0].to_records() == block(2, 15, 7).to_records());
    CHECK_FALSE(rec->segments[0].blocks[0].to_records()[0].key.has_value());
    CHECK(rec->segments[0].blocks[0].to_records()[4].key == std::string());
    const auto replayed = rec->segments[0].blocks[0].to_records();
    CHECK_FALSE(replayed[2].value.has_value());
    CHECK(replayed[3].value == std::string());
    CHECK(replayed[1].timestamp_type == SS_TIMESTAMP_LOG_APPEND_TIME);
    CHECK(replayed[0].timestamp_type == SS_TIMESTAMP_CREATE_TIME);
    REQUIRE(replayed[1].headers.size() == 4);
    CHECK(replayed[1].headers[0] == ReceivedHeader{"trace", "t-1"});
    CHECK_FALSE(replayed[1].headers[1].value.has_value());
    CHECK(replayed[1].headers[2].value == std::string());
    CHECK(replayed[1].headers[3].value == std::string("\0\xfe", 2));
    CHECK(replayed[0].headers.empty());
}

TEST_CASE("group commit: blocks written together, then one sync, come back like appended ones") {
    TempDir tmp;
    {
        auto wal = WriteAheadLog::open(tmp.path / "wal");
        REQUIRE(wal.ok());
        REQUIRE(wal->write(5, block(0, 0, 10)).ok());
        REQUIRE(wal->write(5, block(1, 10, 5)).ok());
        REQUIRE(wal->write(6, block(2, 15, 7)).ok()); // a new segment: the previous one is synced first
        REQUIRE(wal->sync().ok());
        REQUIRE(wal->sync().ok()); // nothing new: no-op
    }
    auto wal = WriteAheadLog::open(tmp.path / "wal");
    auto rec = wal->recover();
    REQUIRE(rec.ok());
    REQUIRE(rec->segments.size() == 2);
    REQUIRE(rec->segments[0].blocks.size() == 2);
    CHECK(rec->segments[0].blocks[0].to_records() == block(0, 0, 10).to_records());
    CHECK(rec->segments[0].blocks[1].to_records() == block(1, 10, 5).to_records());
    REQUIRE(rec->segments[1].blocks.size() == 1);
    CHECK(rec->segments[1].blocks[0].to_records() == block(2, 15, 7).to_records());
}

TEST_CASE("a block keeps headers, null vs empty and the timestamp type of the records it receives") {
    const ss_header headers[] = {{"a", "1", 1}, {"b", nullptr, 0}, {"c", "", 0}};
    ss_record r{};
    r.topic = "orders";
    r.offset = 7;
    r.timestamp_ms = 5;
    r.value = "";
    r.struct_size = sizeof(ss_record);
    r.timestamp_type = SS_TIMESTAMP_CREATE_TIME;
    r.headers = headers;
    r.header_count = 3;
    r.header_stride = sizeof(ss_header);
    Block b;
    b.add(r);
    const auto out = b.to_records();
    REQUIRE(out.size() == 1);
    CHECK_FALSE(out[0].key.has_value());
    CHECK(out[0].value == std::string());
    CHECK(out[0].timestamp_type == SS_TIMESTAMP_CREATE_TIME);
    CHECK(out[0].headers == std::vector<ReceivedHeader>{{"a", "1"}, {"b", std::nullopt}, {"c", ""}});
    CHECK(b.memory_bytes() >= Block::kEntryBytes);
}

TEST_CASE("a format-1 segment (no headers, no null values) is refused, naming it and the fix") {
    TempDir tmp;
    auto wal = WriteAheadLog::open(tmp.path);
    spit(wal->segment_path(5), std::string(kWalSegmentMagicV1) + std::string(40, 'x'));
    auto rec = wal->recover();
    REQUIRE_FALSE(rec.ok());
    CHECK(rec.error().kind == ErrorKind::Usage);
    CHECK(rec.error().what.find("format 1") != std::string::npos);
    CHECK(rec.error().input.find("00000000000000000005.wal") != std::string::npos);
    CHECK(rec.error().hint.find("version that wrote it") != std::string::npos);
    CHECK(fs::file_size(wal->segment_path(5)) == 48); // nothing truncated or deleted
}

TEST_CASE("a segment of a newer format is refused, naming its format and the fix, and left as it was") {
    TempDir tmp;
    auto wal = WriteAheadLog::open(tmp.path);
    REQUIRE(wal->append(4, block(0, 0, 3)).ok());
    const std::string written = "SSWAL04\n" + std::string(60, 'x');
    spit(wal->segment_path(5), written);
    auto rec = wal->recover();
    REQUIRE_FALSE(rec.ok());
    CHECK(rec.error().kind == ErrorKind::Usage);
    CHECK(rec.error().what.find("format 4, written by a newer streamsubmit") != std::string::npos);
    CHECK(rec.error().input.find("00000000000000000005.wal") != std::string::npos);
    CHECK(rec.error().hint.find("version that wrote it") != std::string::npos);
    CHECK(slurp(wal->segment_path(5)) == written); // nothing truncated or deleted
    CHECK(fs::exists(wal->segment_path(4)));
    // Bytes that only look alike are still not a log.
    spit(wal->segment_path(5), "SSWALxy\n" + std::string(60, 'x'));
    rec = wal->recover();
    REQUIRE_FALSE(rec.ok());
    CHECK(rec.error().what.find("bad magic") != std::string::npos);
}

TEST_CASE("a torn tail of a format-2 segment names a crash as its cause, never a recycled file") {
    TempDir tmp;
    auto wal = WriteAheadLog::open(tmp.path);
    const std::string records = std::string(kWalSegmentMagicV2) + wal_frame_v2(wal_encode_block(3, block(3, 0, 3)));
    const std::string torn = wal_frame_v2(wal_encode_block(3, block(4, 3, 2))).substr(0, 25); // a cut write
    spit(wal->segment_path(3), records + torn);
    auto rec = wal->recover();
    REQUIRE(rec.ok());
    REQUIRE(rec->notes.size() == 1);
    CHECK(rec->notes[0].find("torn tail at offset " + std::to_string(records.size())) != std::string::npos);
    CHECK(rec->notes[0].find("(a crash during a write; none was committed)") != std::string::npos);
    CHECK(rec->notes[0].find("recycled") == std::string::npos);
    CHECK(fs::file_size(wal->segment_path(3)) == records.size());
}

TEST_CASE("a torn tail of the newest segment is truncated, at any cut") {
    TempDir tmp;
    fs::path seg;
    size_t good = 0;
    {
        auto wal = WriteAheadLog::open(tmp.path);
        REQUIRE(wal->append(0, block(0, 0, 3)).ok());
        seg = wal->segment_path(0);
        good = fs::file_size(seg);
        REQUIRE(wal->append(0, block(1, 3, 4)).ok());
    }
    const std::string full = slurp(seg);
    for (size_t cut = good + 1; cut < full.size(); cut += 7) {
        spit(seg, full.substr(0, cut));
        auto rec = WriteAheadLog::open(tmp.path)->recover();
        REQUIRE(rec.ok());
        REQUIRE(rec->notes.size() == 1);
        CHECK(rec->notes[0].find("torn tail at offset " + std::to_string(good)) != std::string::npos);
        CHECK(rec->notes[0].find("or the bytes a recycled segment held before") != std::string::npos);
        REQUIRE(rec->segments.size() == 1);
        CHECK(rec->segments[0].blocks.size() == 1);
        CHECK(fs::file_size(seg) == good); // truncated on disk
    }
    // Appending after the truncation continues the segment cleanly.
    auto wal = WriteAheadLog::open(tmp.path);
    REQUIRE(wal->append(0, block(2, 3, 2)).ok());
    auto rec = wal->recover();
    REQUIRE(rec.ok());
    CHECK(rec->segments[0].blocks.size() == 2);
}

TEST_CASE("garbage after the last record (a lost write of the final record) is a torn tail too") {
    TempDir tmp;
    auto wal = WriteAheadLog::open(tmp.path);
    REQUIRE(wal->append(7, block(0, 0, 3)).ok());
    const fs::path seg = wal->segment_path(7);
    const size_t good = fs::file_size(seg);
    spit(seg, slurp(seg) + std::string(30, '\0'));
    auto rec = wal->recover();
    REQUIRE(rec.ok());
    CHECK(rec->notes.size() == 1);
    CHECK(fs::file_size(seg) == good);
}

TEST_CASE("a corrupted record in the middle is an error naming the file and offset") {
    TempDir tmp;
    auto wal = WriteAheadLog::open(tmp.path);
    REQUIRE(wal->append(0, block(0, 0, 5)).ok());
    REQUIRE(wal->append(0, block(1, 5, 5)).ok());
    const fs::path seg = wal->segment_path(0);
    std::string data = slurp(seg);
    data[kWalSegmentHeaderBytes + 20] ^= 0x40; // inside the first record's payload
    spit(seg, data);
    auto rec = wal->recover();
    REQUIRE_FALSE(rec.ok());
    CHECK(rec.error().kind == ErrorKind::Usage);
    CHECK(rec.error().what.find("CRC32C") != std::string::npos);
    CHECK(rec.error().input == seg.string() + ", offset 44");
    CHECK(fs::file_size(seg) == data.size()); // nothing truncated
}

TEST_CASE("damage in an older segment is corruption even at its end") {
    TempDir tmp;
    auto wal = WriteAheadLog::open(tmp.path);
    REQUIRE(wal->append(0, block(0, 0, 5)).ok());
    REQUIRE(wal->append(1, block(1, 5, 5)).ok());
    const fs::path seg = wal->segment_path(0);
    const std::string data = slurp(seg);
    spit(seg, data.substr(0, data.size() - 3));
    auto rec = wal->recover();
    REQUIRE_FALSE(rec.ok());
    CHECK(rec.error().input.find(seg.string()) == 0);
}

TEST_CASE("segments of complete batches are deleted") {
    TempDir tmp;
    auto wal = WriteAheadLog::open(tmp.path);
    for (int64_t id = 0; id < 5; ++id) REQUIRE(wal->append(id, block(id, id * 3, 3)).ok());
    CHECK(wal->segment_ids() == std::vector<int64_t>{0, 1, 2, 3, 4});
    REQUIRE(wal->remove_through(2).ok());
    CHECK(wal->segment_ids() == std::vector<int64_t>{3, 4});
    CHECK_FALSE(fs::exists(wal->segment_path(0)));
    REQUIRE(wal->remove_through(4).ok());
    CHECK(wal->segment_ids().empty());
    REQUIRE(wal->recover().ok());
}

TEST_CASE("completed segments are deleted while the writer appends to the open batch's segment") {
    // The driver's order (ReceiverHub::output_done): close_through under the log's lock, then
    // delete_through outside it while the writer goes on appending to a later batch.
    TempDir tmp;
    {
        auto wal = WriteAheadLog::open(tmp.path / "wal");
        REQUIRE(wal.ok());
        REQUIRE(wal->write(0, block(0, 0, 4)).ok());
        REQUIRE(wal->write(1, block(1, 4, 4)).ok()); // batch 1 open: batch 0's segment is synced and closed
        wal->close_through(0);                        // nothing of batch 1 is closed
        REQUIRE(wal->write(1, block(2, 8, 4)).ok());
        REQUIRE(wal->delete_through(0).ok());
        REQUIRE(wal->write(1, block(3, 12, 4)).ok());
        REQUIRE(wal->sync().ok());
        CHECK(wal->segment_ids() == std::vector<int64_t>{1});
    }
    auto reopened = WriteAheadLog::open(tmp.path / "wal");
    REQUIRE(reopened.ok());
    auto rec = reopened->recover();
    REQUIRE(rec.ok());
    REQUIRE(rec->segments.size() == 1);
    CHECK(rec->segments[0].batch_id == 1);
    REQUIRE(rec->segments[0].blocks.size() == 3);
    CHECK(rec->segments[0].blocks[2].to_records() == block(3, 12, 4).to_records());
}

TEST_CASE("a sync taken for another thread covers what was written, even after the segment rotated") {
    TempDir tmp;
    {
        auto wal = WriteAheadLog::open(tmp.path / "wal");
        REQUIRE(wal.ok());
        auto nothing = wal->take_sync(); // nothing written yet: an empty handle
        REQUIRE(nothing.ok());
        CHECK(nothing->sync().ok());
        REQUIRE(wal->write(0, block(0, 0, 4)).ok());
        auto first = wal->take_sync();
        REQUIRE(first.ok());
        auto again = wal->take_sync(); // counted as synced: the handle owes it
        REQUIRE(again.ok());
        REQUIRE(wal->write(1, block(1, 4, 4)).ok()); // batch 1: segment 0's descriptor is closed
        wal->close_through(0);
        CHECK(first->sync().ok()); // its own descriptor still syncs segment 0
        CHECK(again->sync().ok());
        auto second = wal->take_sync();
        REQUIRE(second.ok());
        SegmentSync moved = std::move(*second);
        CHECK(moved.sync().ok());
        CHECK(second->sync().ok()); // moved from: syncs nothing
    }
    auto reopened = WriteAheadLog::open(tmp.path / "wal");
    REQUIRE(reopened.ok());
    auto rec = reopened->recover();
    REQUIRE(rec.ok());
    REQUIRE(rec->segments.size() == 2);
    CHECK(rec->segments[0].blocks[0].to_records() == block(0, 0, 4).to_records());
    CHECK(rec->segments[1].blocks[0].to_records() == block(1, 4, 4).to_records());
}

TEST_CASE("the hub's log writer and syncer: every block lands in the batch its segment names") {
    // The writer writes a group while the syncer fsyncs the one before; a batch cut meanwhile
    // must take exactly the blocks written to its segment, each once, and only synced ones.
    TempDir tmp;
    constexpr int kBlocks = 300;
    std::vector<std::vector<int64_t>> cut_seqs; // by batch id
    {
        auto wal = WriteAheadLog::open(tmp.path / "wal");
        REQUIRE(wal.ok());
        ReceiverHub hub(2, &*wal, 0, 0);
        std::thread writer([&] { CHECK(hub.write_log().ok()); });
        int taken = 0;
        for (int seq = 0; seq < kBlocks || taken < kBlocks;) {
            if (seq < kBlocks) {
                hub.store(block(seq, seq * 6, 6));
                ++seq;
            }
            if (seq % 7 == 0 || seq >= kBlocks) {
                auto cut = hub.cut();
                REQUIRE(static_cast<size_t>(cut.id) == cut_seqs.size());
                cut_seqs.emplace_back();
                for (const auto &b : cut.blocks) cut_seqs.back().push_back(b.seq);
                taken += static_cast<int>(cut.blocks.size());
                if (seq >= kBlocks && taken < kBlocks) std::this_thread::yield();
            }
        }
        // Each block's commits were posted once it was on disk.
        CHECK(hub.take_commits(1) == OffsetMap{{{"orders", 0}, kBlocks * 6 - 1}, {{"orders", 1}, kBlocks * 6}});
        hub.finish();
        writer.join();
    }
    auto reopened = WriteAheadLog::open(tmp.path / "wal");
    REQUIRE(reopened.ok());
    auto rec = reopened->recover();
    REQUIRE(rec.ok());
    std::map<int64_t, std::vector<int64_t>> on_disk; // batch id -> seqs in its segment
    for (const auto &segment : rec->segments)
        for (const auto &b : segment.blocks) on_disk[segment.batch_id].push_back(b.seq);
    int64_t expected_seq = 0;
    for (size_t id = 0; id < cut_seqs.size(); ++id) {
        const auto it = on_disk.find(static_cast<int64_t>(id));
        CHECK(cut_seqs[id] == (it == on_disk.end() ? std::vector<int64_t>{} : it->second));
        for (int64_t seq : cut_seqs[id]) CHECK(seq == expected_seq++); // each once, in order
    }
    CHECK(expected_seq == kBlocks);
}

TEST_CASE("a completed segment's file is written over by a later batch, whose records end where its own do") {
    TempDir tmp;
    auto wal = WriteAheadLog::open(tmp.path / "wal");
    REQUIRE(wal.ok());
    for (int i = 0; i < 20; ++i) REQUIRE(wal->append(0, block(i, i * 10, 10)).ok());
    REQUIRE(wal->append(1, block(20, 200, 3)).ok());
    const uintmax_t big = fs::file_size(wal->segment_path(0));
    REQUIRE(wal->remove_through(0).ok());
    const fs::path kept = tmp.path / "wal" / "00000000000000000000.free";
    CHECK(fs::exists(kept));
    CHECK(wal->segment_ids() == std::vector<int64_t>{1});

    REQUIRE(wal->append(2, block(21, 203, 2)).ok()); // takes the free file
    CHECK_FALSE(fs::exists(kept));
    CHECK(fs::file_size(wal->segment_path(2)) == big); // written over, not truncated
    REQUIRE(wal->append(3, block(22, 205, 2)).ok());

    // Segment 2 is older than 3, whose header says where 2's records end: batch 0's old
    // records after them are neither read nor a torn tail.
    auto rec = wal->recover();
    REQUIRE(rec.ok());
    CHECK(rec->notes.empty());
    REQUIRE(rec->segments.size() == 3);
    REQUIRE(rec->segments[1].batch_id == 2);
    REQUIRE(rec->segments[1].blocks.size() == 1);
    CHECK(rec->segments[1].blocks[0].to_records() == block(21, 203, 2).to_records());
    CHECK(fs::file_size(tmp.path / "wal" / "00000000000000000002.wal") == big);
}

TEST_CASE("the newest segment, written over a recycled file, ends at its last valid record after a crash") {
    TempDir tmp;
    fs::path seg;
    {
        auto wal = WriteAheadLog::open(tmp.path);
        for (int i = 0; i < 20; ++i) REQUIRE(wal->append(0, block(i, i * 10, 10)).ok());
        REQUIRE(wal->remove_through(0).ok());
        REQUIRE(wal->append(1, block(20, 200, 3)).ok()); // the crash: nothing more
        seg = wal->segment_path(1);
    }
    const uintmax_t big = fs::file_size(seg);
    auto rec = WriteAheadLog::open(tmp.path)->recover();
    REQUIRE(rec.ok());
    REQUIRE(rec->segments.size() == 1);
    REQUIRE(rec->segments[0].blocks.size() == 1);
    CHECK(rec->segments[0].blocks[0].to_records() == block(20, 200, 3).to_records());
    REQUIRE(rec->notes.size() == 1);
    CHECK(rec->notes[0].find("recycled") != std::string::npos);
    CHECK(fs::file_size(seg) < big);
}

TEST_CASE("a record of the segment's own batch under another nonce (the file's earlier use) does not pass") {
    TempDir tmp;
    auto wal = WriteAheadLog::open(tmp.path);
    const std::string frame = wal_frame(wal_encode_block(5, block(0, 0, 4)), 1);
    spit(wal->segment_path(5), wal_segment_header(5, 1) + frame);
    auto rec = wal->recover();
    REQUIRE(rec.ok());
    CHECK(rec->segments[0].blocks.size() == 1);
    spit(wal->segment_path(5), wal_segment_header(5, 2) + frame); // the header rewritten, the record not
    rec = wal->recover();
    REQUIRE(rec.ok());
    CHECK(rec->segments[0].blocks.empty());
    CHECK(rec->notes.size() == 1);
}

TEST_CASE("a recycled file whose new header never reached the disk: an empty newest segment, else corruption") {
    TempDir tmp;
    auto wal = WriteAheadLog::open(tmp.path);
    const std::string old_use = wal_segment_header(3, 9) + wal_frame(wal_encode_block(3, block(0, 0, 4)), 9);
    spit(wal->segment_path(7), old_use); // renamed to batch 7's name; its header still batch 3's
    auto rec = wal->recover();
    REQUIRE(rec.ok());
    REQUIRE(rec->segments.size() == 1);
    CHECK(rec->segments[0].blocks.empty());
    REQUIRE(rec->notes.size() == 1);
    CHECK(rec->notes[0].find("earlier use") != std::string::npos);
    CHECK(fs::file_size(wal->segment_path(7)) == 0);

    spit(wal->segment_path(7), old_use);
    spit(wal->segment_path(8), wal_segment_header(8, 10, 7, 44) + wal_frame(wal_encode_block(8, block(1, 4, 4)), 10));
    rec = wal->recover();
    REQUIRE_FALSE(rec.ok());
    CHECK(rec.error().input == wal->segment_path(7).string() + ", offset 0");
}

TEST_CASE("damage to the last record of an older recycled segment is corruption, not its end") {
    TempDir tmp;
    auto wal = WriteAheadLog::open(tmp.path);
    for (int i = 0; i < 20; ++i) REQUIRE(wal->append(0, block(i, i * 10, 10)).ok());
    REQUIRE(wal->remove_through(0).ok());
    REQUIRE(wal->append(1, block(20, 200, 3)).ok()); // over the recycled file
    REQUIRE(wal->append(1, block(21, 203, 3)).ok());
    REQUIRE(wal->append(2, block(22, 206, 3)).ok());
    const fs::path seg = wal->segment_path(1);
    const size_t last = kWalSegmentHeaderBytes + wal_frame(wal_encode_block(1, block(20, 200, 3)), 0).size();
    std::string data = slurp(seg);
    data[last + 20] ^= 0x01;
    spit(seg, data);
    auto rec = wal->recover();
    REQUIRE_FALSE(rec.ok());
    CHECK(rec.error().what.find("up to offset") != std::string::npos);
    CHECK(rec.error().input == seg.string() + ", offset " + std::to_string(last));
}

TEST_CASE("the pool keeps at most four free files, across runs, and a format-2 segment is never recycled") {
    TempDir tmp;
    auto free_files = [&] {
        int n = 0;
        for (const auto &e : fs::directory_iterator(tmp.path)) n += e.path().extension() == ".free";
        return n;
    };
    {
        auto wal = WriteAheadLog::open(tmp.path);
        for (int64_t id = 0; id < 6; ++id) REQUIRE(wal->append(id, block(id, id * 3, 3)).ok());
        REQUIRE(wal->remove_through(5).ok());
        CHECK(free_files() == 4);
    }
    auto wal = WriteAheadLog::open(tmp.path); // adopts them
    REQUIRE(wal->append(6, block(6, 18, 3)).ok());
    CHECK(free_files() == 3);

    spit(wal->segment_path(7), std::string(kWalSegmentMagicV2) + wal_frame_v2(wal_encode_block(7, block(7, 21, 3))));
    REQUIRE(wal->remove_through(6).ok());
    auto rec = wal->recover(); // format 2 is still read
    REQUIRE(rec.ok());
    REQUIRE(rec->segments.size() == 1);
    CHECK(rec->segments[0].blocks[0].to_records() == block(7, 21, 3).to_records());
    REQUIRE(wal->remove_through(7).ok());
    CHECK(free_files() == 4); // batch 6's file went back; batch 7's was deleted
    CHECK_FALSE(fs::exists(tmp.path / "00000000000000000007.free"));
}

TEST_CASE("a segment that is not a log, or an empty one") {
    TempDir tmp;
    auto wal = WriteAheadLog::open(tmp.path);
    spit(wal->segment_path(0), "");
    spit(wal->segment_path(1), "hello, world, not a log");
    auto rec = wal->recover();
    REQUIRE_FALSE(rec.ok());
    CHECK(rec.error().what.find("not a write-ahead log segment") != std::string::npos);
    fs::remove(wal->segment_path(1));
    rec = wal->recover();
    REQUIRE(rec.ok());
    CHECK(rec->segments.size() == 1);
    CHECK(rec->segments[0].blocks.empty());
}

namespace {

// The check of an unwritable directory. Root writes through permission bits, so as root the
// directory is made read-only by a read-only bind mount in a private mount namespace (a
// child process, so the test's own namespace is untouched); a refused mount is a failure.
void check_unwritable_log_directory(const fs::path &dir) {
    auto wal = WriteAheadLog::open(dir);
    REQUIRE_FALSE(wal.ok());
    CHECK(wal.error().kind == ErrorKind::Runtime);
    CHECK(wal.error().what.find("not writable") != std::string::npos);
    CHECK(wal.error().input == dir.string());
}

int read_only_bind_mount_child(const fs::path &dir) {
    if (::unshare(CLONE_NEWNS) != 0) return 10;
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return 11;
    if (::mount(dir.c_str(), dir.c_str(), nullptr, MS_BIND, nullptr) != 0) return 12;
    if (::mount(nullptr, dir.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) return 13;
    auto wal = WriteAheadLog::open(dir);
    if (wal.ok()) return 1;
    return wal.error().kind == ErrorKind::Runtime && wal.error().what.find("not writable") != std::string::npos ? 0 : 2;
}

} // namespace

TEST_CASE("an unwritable log directory is refused up front") {
    TempDir tmp;
    const fs::path ro = tmp.path / "ro";
    fs::create_directory(ro);
    if (::geteuid() != 0) {
        fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
        check_unwritable_log_directory(ro);
        return;
    }
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) ::_exit(read_only_bind_mount_child(ro));
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    INFO("child exit code (10-13: the read-only bind mount was refused; 1: the log opened; 2: another error)");
    CHECK(WEXITSTATUS(status) == 0);
}
