// The text of the artifact download progress line (cli/progress_line): what a person at a
// terminal reads while `--packages` or `streamsubmit resolve` fetches files.
#include "cli/progress_line.h"

#include <doctest/doctest.h>

using streamsubmit::cli::format_download_progress;
using streamsubmit::cli::human_bytes;
using streamsubmit::resolver::DownloadProgress;

TEST_CASE("human_bytes uses binary units with one decimal") {
    CHECK(human_bytes(0) == "0 B");
    CHECK(human_bytes(1023) == "1023 B");
    CHECK(human_bytes(1024) == "1.0 KiB");
    CHECK(human_bytes(12 * 1024 + 512) == "12.5 KiB");
    CHECK(human_bytes(3565158) == "3.4 MiB");
    CHECK(human_bytes(5LL * 1024 * 1024 * 1024) == "5.0 GiB");
    CHECK(human_bytes(3LL << 50) == "3072.0 TiB"); // the largest unit keeps growing
}

TEST_CASE("download progress: files and the bytes that came from the network") {
    DownloadProgress p;
    p.files_done = 12;
    p.files_total = 97;
    p.bytes_done = 3565158;
    p.bytes_total_known = 9000000; // announced sizes grow as downloads start: not shown as a total
    CHECK(format_download_progress(p) == "resolving: 12/97 files, 3.4 MiB");
}

TEST_CASE("download progress: a warm cache shows files only") {
    DownloadProgress p;
    p.files_total = 10;
    CHECK(format_download_progress(p) == "resolving: 0/10 files");
    p.files_done = 10;
    CHECK(format_download_progress(p) == "resolving: 10/10 files");
}

TEST_CASE("download progress: small downloads in bytes") {
    DownloadProgress p;
    p.files_done = 1;
    p.files_total = 1;
    p.bytes_done = 200;
    CHECK(format_download_progress(p) == "resolving: 1/1 files, 200 B");
}

TEST_CASE("progress lines show the backpressure rate") {
    using streamsubmit::cli::format_batch_progress;
    using streamsubmit::cli::format_progress;
    CHECK(format_progress(50, 100, 0, 2100.0) == "50/100 records (50%), limit 2.1k records/s");
    CHECK(format_progress(50, 100, 0) == "50/100 records (50%)");
    CHECK(format_batch_progress(12, 4200, 2100.0, 340) ==
          "batch 12: 4200 records, limit 2.1k records/s, scheduling delay 0.3 s");
    CHECK(format_batch_progress(0, 10, std::nullopt, 0) == "batch 0: 10 records, limit none, scheduling delay 0.0 s");
}
