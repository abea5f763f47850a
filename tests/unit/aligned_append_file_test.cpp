#include "runtime/receiver/aligned_append_file.h"

#include "tests/unit/temp_dir.h"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

using namespace streamsubmit::runtime;
namespace fs = std::filesystem;
using streamsubmit::testing::TempDir;
using PageCache = AlignedAppendFile::PageCache;

namespace {

std::string slurp(const fs::path &p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Bytes that differ from block to block, so a block written at the wrong offset shows.
std::string pattern(size_t n, size_t seed) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + seed) % 26);
    return s;
}

void append(AlignedAppendFile &file, const std::string &bytes) {
    std::memcpy(file.reserve(bytes.size()), bytes.data(), bytes.size());
    REQUIRE(file.append(bytes.size()).ok());
}

// Whether this directory's file system takes O_DIRECT at all (the file then must use it).
bool takes_direct_io(const fs::path &dir) {
    const fs::path probe = dir / "probe";
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_DIRECT, 0600);
    if (fd < 0) return false;
    ::close(fd);
    fs::remove(probe);
    return true;
}

} // namespace

TEST_CASE("appends of any size land in order; the zeros padding the last block go at close") {
    for (const PageCache cache : {PageCache::Bypass, PageCache::Use}) {
        CAPTURE(cache == PageCache::Bypass);
        TempDir tmp;
        const fs::path path = tmp.path / "seg";
        std::string expected;
        {
            auto file = AlignedAppendFile::open(path, "the test file", cache);
            REQUIRE(file.ok());
            if (cache == PageCache::Bypass) CHECK(file->bypasses_page_cache() == takes_direct_io(tmp.path));
            else CHECK_FALSE(file->bypasses_page_cache());
            // Sizes below, at and across the 4 KiB block, and one larger than the kept buffer.
            for (const size_t n : {size_t{8}, size_t{100}, size_t{4096 - 108}, size_t{4096}, size_t{1}, size_t{9000},
                                   AlignedAppendFile::kKeptBuffer + 5, size_t{3}}) {
                const std::string bytes = pattern(n, expected.size());
                append(*file, bytes);
                expected += bytes;
                CHECK(file->size() == static_cast<int64_t>(expected.size()));
                // While open, the file holds whole blocks: the bytes, then zeros.
                const std::string on_disk = slurp(path);
                CHECK(on_disk.size() % AlignedAppendFile::kAlignment == 0);
                CHECK(on_disk.size() - expected.size() < AlignedAppendFile::kAlignment);
                CHECK(on_disk.compare(0, expected.size(), expected) == 0);
                CHECK(on_disk.find_first_not_of('\0', expected.size()) == std::string::npos);
            }
            REQUIRE(file->close().ok());
        }
        CHECK(slurp(path) == expected);
    }
}

TEST_CASE("a reopened file goes on after its partial last block, which it does not change") {
    TempDir tmp;
    const fs::path path = tmp.path / "seg";
    const std::string first = pattern(5000, 1), second = pattern(300, 2);
    {
        auto file = AlignedAppendFile::open(path, "the test file");
        REQUIRE(file.ok());
        append(*file, first);
    } // the destructor closes
    CHECK(fs::file_size(path) == first.size());
    auto file = AlignedAppendFile::open(path, "the test file");
    REQUIRE(file.ok());
    CHECK(file->size() == static_cast<int64_t>(first.size()));
    append(*file, second);
    REQUIRE(file->close().ok());
    CHECK(slurp(path) == first + second);
}

TEST_CASE("errors name the file and the operation") {
    TempDir tmp;
    auto file = AlignedAppendFile::open(tmp.path / "missing-dir" / "seg", "the test file");
    REQUIRE_FALSE(file.ok());
    CHECK(file.error().what.find("cannot create the test file: No such file or directory") == 0);
    CHECK(file.error().input == (tmp.path / "missing-dir" / "seg").string());
}
