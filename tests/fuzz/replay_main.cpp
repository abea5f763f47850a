// fuzz_regression_tests: every fuzz target, compiled with the ordinary compiler, fed every
// file of tests/fuzz/corpus/<target>/ and tests/fuzz/regressions/<target>/. A crash the
// fuzzer found is saved under regressions/<target>/ and stays a unit test from then on.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "fuzz_target.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace fuzz_replay {
std::map<std::string, TargetFn> &targets() {
    static std::map<std::string, TargetFn> t;
    return t;
}
bool register_target(const char *name, TargetFn fn) {
    targets()[name] = fn;
    return true;
}
} // namespace fuzz_replay

namespace {
std::vector<fs::path> inputs(const fs::path &dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return out;
    for (const auto &e : fs::directory_iterator(dir))
        if (e.is_regular_file() && e.path().filename().string().front() != '.') out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

std::string slurp(const fs::path &p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
} // namespace

TEST_CASE("every fuzz target is registered") {
    for (const char *name : {"coordinate", "version_range", "pom", "metadata", "checksum", "checkpoint",
                             "starting_offsets", "wal"})
        CHECK_MESSAGE(fuzz_replay::targets().count(name) == 1, name);
}

TEST_CASE("seed corpora and saved crashes replay cleanly") {
    const fs::path root = FUZZ_DIR;
    size_t replayed = 0;
    for (const auto &[name, fn] : fuzz_replay::targets()) {
        for (const char *kind : {"corpus", "regressions"}) {
            for (const auto &file : inputs(root / kind / name)) {
                INFO(file.string());
                const std::string bytes = slurp(file);
                CHECK(fn(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()) == 0);
                ++replayed;
            }
        }
    }
    MESSAGE("replayed " << replayed << " inputs");
    CHECK(replayed > 0);
}
