// Live progress lines on stderr, drawn only when stderr is a terminal: scripts and CI logs
// get no carriage-return noise. stdout is untouched. One drawing routine (ProgressLine::draw)
// serves `--until latest` catch-up and artifact downloads (DownloadProgressLine).
#pragma once

#include "resolver/resolver.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace streamsubmit::cli {

class ProgressLine {
public:
    ProgressLine(); // enabled when stderr is a terminal and TERM is not "dumb"
    ~ProgressLine();
    ProgressLine(const ProgressLine &) = delete;
    ProgressLine &operator=(const ProgressLine &) = delete;

    bool enabled() const { return enabled_; }
    void draw(const std::string &text);       // replaces the line's text in place
    void update(int64_t done, int64_t total); // catch-up: draw(format_progress(...))
    // stream.backpressure: the rate the last batch was limited to, shown by update().
    void set_rate_limit(std::optional<double> rate) { rate_limit_ = rate; }
    void finish(); // clears the line, so later diagnostics start at column 0

private:
    bool enabled_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point start_;
    std::optional<double> rate_limit_;
};

// Artifact downloads of the resolver (`--packages`, `streamsubmit resolve`).
class DownloadProgressLine {
public:
    bool enabled() const { return line_.enabled(); }
    // When the line is enabled: sets s.progress and an on_progress that draws here, and
    // wraps s.log so that a diagnostic never lands in the middle of the line. `this` must
    // outlive the resolution.
    void attach(resolver::ResolverSettings &s);
    void update(const resolver::DownloadProgress &p);
    void finish() { line_.finish(); }

private:
    ProgressLine line_;
};

// "13500/30000 records (45%), 120.3k records/s, ETA 0:02", then ", limit 5.0k records/s"
// with a backpressure rate; exposed for tests.
std::string format_progress(int64_t done, int64_t total, double seconds,
                            std::optional<double> rate_limit = std::nullopt);
// Continuous jobs with backpressure: "batch 12: 4200 records, limit 2.1k records/s,
// scheduling delay 0.3 s" ("limit none" before there is a rate).
std::string format_batch_progress(int64_t batch, int64_t records, std::optional<double> rate_limit,
                                  double scheduling_delay_ms);
// "resolving: 12/97 files, 3.4 MiB" (no bytes part while nothing came from the network).
std::string format_download_progress(const resolver::DownloadProgress &p);
// "512 B", "12.0 KiB", "3.4 MiB", "1.2 GiB".
std::string human_bytes(long long bytes);

} // namespace streamsubmit::cli
