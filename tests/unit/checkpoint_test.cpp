#include "runtime/progress/checkpoint.h"

#include "tests/unit/temp_dir.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace streamsubmit::runtime;
namespace fs = std::filesystem;
using streamsubmit::testing::TempDir;

namespace {

BatchRecord batch(int64_t id, bool complete) {
    return BatchRecord{id, 1000 + id, complete, {{{"orders", 0}, id * 10, id * 10 + 10}, {{"orders", 1}, 0, 0}}};
}

void write(const fs::path &p, const std::string &text) { std::ofstream(p) << text; }

} // namespace

TEST_CASE("a new checkpoint is empty and private") {
    TempDir tmp;
    auto cp = Checkpoint::open(tmp.path / "cp", "topics=orders", 10);
    REQUIRE(cp.ok());
    CHECK_FALSE(cp->last().has_value());
    struct stat st {};
    REQUIRE(::stat((tmp.path / "cp").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
}

TEST_CASE("planned then complete batches survive a reopen") {
    TempDir tmp;
    {
        auto cp = Checkpoint::open(tmp.path, "topics=orders", 10);
        REQUIRE(cp->record(batch(0, false)).ok());
        REQUIRE(cp->record(batch(0, true)).ok());
        REQUIRE(cp->record(batch(1, false)).ok());
    }
    auto cp = Checkpoint::open(tmp.path, "topics=orders", 10);
    REQUIRE(cp.ok());
    REQUIRE(cp->last().has_value());
    CHECK(cp->last()->id == 1);
    CHECK_FALSE(cp->last()->complete);
    CHECK(cp->last()->ranges == batch(1, false).ranges); // re-run with identical ranges
}

TEST_CASE("only the last few batches are kept") {
    TempDir tmp;
    {
        auto cp = Checkpoint::open(tmp.path, "topics=orders", 3);
        for (int i = 0; i < 8; ++i) REQUIRE(cp->record(batch(i, true)).ok());
    } // released: one Checkpoint per directory at a time
    int files = 0;
    for ([[maybe_unused]] const auto &e : fs::directory_iterator(tmp.path / "batches")) ++files;
    CHECK(files == 3);
    CHECK(Checkpoint::open(tmp.path, "topics=orders", 3)->last()->id == 7);
}

TEST_CASE("a checkpoint of another topic set is refused, not reset") {
    TempDir tmp;
    REQUIRE(Checkpoint::open(tmp.path, "topics=orders", 10)->record(batch(0, true)).ok());
    auto other = Checkpoint::open(tmp.path, "topics=clicks", 10);
    REQUIRE_FALSE(other.ok());
    CHECK(other.error().what.find("topics=orders") != std::string::npos);
    CHECK(other.error().kind == streamsubmit::ErrorKind::Usage);
    CHECK(Checkpoint::open(tmp.path, "topics=orders", 10)->last()->id == 0);
}

TEST_CASE("corruption is an error naming the file") {
    TempDir tmp;
    REQUIRE(Checkpoint::open(tmp.path, "topics=orders", 10)->record(batch(4, true)).ok());
    const auto file = tmp.path / "batches" / "00000000000000000004.json";
    SUBCASE("truncated JSON") { write(file, "{\"format\":1,\"batch\":4"); }
    SUBCASE("missing field") { write(file, R"({"format":1,"batch":4,"time":1,"ranges":[]})"); }
    SUBCASE("id does not match the file") {
        write(file, R"({"format":1,"batch":5,"time":1,"status":"complete","ranges":[]})");
    }
    SUBCASE("inverted range") {
        write(file,
              R"({"format":1,"batch":4,"time":1,"status":"complete","ranges":[{"topic":"o","partition":0,"from":9,"until":3}]})");
    }
    auto cp = Checkpoint::open(tmp.path, "topics=orders", 10);
    REQUIRE_FALSE(cp.ok());
    CHECK(cp.error().what.find("corrupt") != std::string::npos);
    CHECK(cp.error().input == file.string());
}

TEST_CASE("leftover temporary files of an interrupted write are ignored") {
    TempDir tmp;
    REQUIRE(Checkpoint::open(tmp.path, "topics=orders", 10)->record(batch(2, true)).ok());
    write(tmp.path / "batches" / "00000000000000000003.json.tmp.999", "{garbage");
    auto cp = Checkpoint::open(tmp.path, "topics=orders", 10);
    REQUIRE(cp.ok());
    CHECK(cp->last()->id == 2);
}

TEST_CASE("JSON round trip") {
    const auto b = batch(12, true);
    auto back = batch_record_from_json(batch_record_to_json(b), "x");
    REQUIRE(back.ok());
    CHECK(back->id == 12);
    CHECK(back->time_ms == b.time_ms);
    CHECK(back->complete);
    CHECK(back->ranges == b.ranges);
}
