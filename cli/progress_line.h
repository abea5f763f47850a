// A live progress line on stderr for `--until latest` catch-up, drawn only when stderr
// is a terminal: scripts and CI logs get no carriage-return noise. stdout is untouched.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace streamsubmit::cli {

class ProgressLine {
public:
    ProgressLine(); // enabled when stderr is a terminal and TERM is not "dumb"
    ~ProgressLine();
    ProgressLine(const ProgressLine &) = delete;
    ProgressLine &operator=(const ProgressLine &) = delete;

    bool enabled() const { return enabled_; }
    void update(int64_t done, int64_t total);
    void finish(); // clears the line, so later diagnostics start at column 0

private:
    bool enabled_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point start_;
};

// "13500/30000 records (45%), 120.3k records/s, ETA 0:02"; exposed for tests.
std::string format_progress(int64_t done, int64_t total, double seconds);

} // namespace streamsubmit::cli
