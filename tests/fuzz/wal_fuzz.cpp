// Receiver-mode write-ahead log segments as recovery finds them after a crash.
// First input byte: bit 0 set = the rest is a list of payloads separated by "|WAL|", each
// framed with a valid length and CRC32C after a valid header (so the fuzzer reaches the block decoder); clear =
// the rest is the raw segment. Bit 1 set = the segment is not the newest (no torn tail
// allowed). Never a crash; a recovered log recovers again to the same blocks, and blocks
// re-encoded by wal_encode_block decode to themselves.
#include "fuzz_target.h"
#include "runtime/receiver/write_ahead_log.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

using namespace streamsubmit::runtime;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kNonce = 0x5EED;

const fs::path &scratch() {
    static const fs::path dir = [] {
        const char *base = std::getenv("TMPDIR");
        fs::path d = fs::path(fs::exists("/dev/shm") ? "/dev/shm" : (base ? base : "/tmp")) /
                     ("streamsubmit-walfuzz-" + std::to_string(::getpid()));
        return d;
    }();
    return dir;
}

void write(const fs::path &path, const std::string &bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

bool same_blocks(const std::vector<Block> &a, const std::vector<Block> &b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].receiver != b[i].receiver || a[i].seq != b[i].seq || a[i].time_ms != b[i].time_ms ||
            a[i].to_records() != b[i].to_records())
            return false;
    return true;
}

} // namespace

STREAMSUBMIT_FUZZ_TARGET(wal) {
    if (size == 0) return 0;
    const uint8_t mode = data[0];
    const std::string_view rest = fuzz_text(data + 1, size - 1);
    std::string segment;
    if (mode & 1) {
        segment = wal_segment_header(1, kNonce);
        size_t start = 0;
        while (start <= rest.size()) {
            const size_t sep = rest.find("|WAL|", start);
            const size_t end = sep == std::string_view::npos ? rest.size() : sep;
            segment += wal_frame(rest.substr(start, end - start), kNonce);
            if (sep == std::string_view::npos) break;
            start = sep + 5;
        }
    } else {
        segment.assign(rest);
    }

    std::error_code ec;
    fs::remove_all(scratch(), ec);
    auto wal = WriteAheadLog::open(scratch());
    FUZZ_CHECK(wal.ok());
    write(wal->segment_path(1), segment);
    if (mode & 2) write(wal->segment_path(2), wal_segment_header(2, kNonce + 1));

    auto first = wal->recover();
    if (!first) return 0;
    // Recovery truncated any torn tail: a second recovery finds the same, with nothing to cut.
    auto second = wal->recover();
    FUZZ_CHECK(second.ok());
    FUZZ_CHECK(second->notes.empty());
    FUZZ_CHECK(first->segments.size() == second->segments.size());
    for (size_t i = 0; i < first->segments.size(); ++i)
        FUZZ_CHECK(same_blocks(first->segments[i].blocks, second->segments[i].blocks));

    // Re-encode what was recovered into a fresh segment: it decodes to the same blocks.
    if (!first->segments.empty() && !first->segments[0].blocks.empty()) {
        std::string again = wal_segment_header(1, kNonce);
        for (const auto &b : first->segments[0].blocks) again += wal_frame(wal_encode_block(1, b), kNonce);
        fs::remove(wal->segment_path(2), ec);
        write(wal->segment_path(1), again);
        auto third = wal->recover();
        FUZZ_CHECK(third.ok());
        FUZZ_CHECK(third->segments.size() == 1);
        FUZZ_CHECK(same_blocks(first->segments[0].blocks, third->segments[0].blocks));
    }
    return 0;
}
