#include "cli/progress_line.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace streamsubmit::cli {
namespace {

std::string human_rate(double per_second) {
    if (per_second >= 1e6) return fmt::format("{:.1f}M", per_second / 1e6);
    if (per_second >= 1e3) return fmt::format("{:.1f}k", per_second / 1e3);
    return fmt::format("{:.0f}", per_second);
}

bool terminal_wanted() {
    const char *term = std::getenv("TERM");
    return ::isatty(STDERR_FILENO) == 1 && !(term && std::strcmp(term, "dumb") == 0);
}

} // namespace

std::string format_progress(int64_t done, int64_t total, double seconds) {
    const int percent = total > 0 ? static_cast<int>(done * 100 / total) : 100;
    std::string line = fmt::format("{}/{} records ({}%)", done, total, percent);
    if (seconds > 0 && done > 0) {
        const double rate = done / seconds;
        const auto eta = static_cast<int64_t>((total - done) / rate);
        line += fmt::format(", {} records/s, ETA {}:{:02}", human_rate(rate), eta / 60, eta % 60);
    }
    return line;
}

ProgressLine::ProgressLine() : enabled_(terminal_wanted()), start_(std::chrono::steady_clock::now()) {}

ProgressLine::~ProgressLine() { finish(); }

void ProgressLine::update(int64_t done, int64_t total) {
    if (!enabled_) return;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    // \r and "erase to end of line": redraw in place without colours (NO_COLOR holds trivially).
    std::fprintf(stderr, "\r%s\033[K", format_progress(done, total, seconds).c_str());
    std::fflush(stderr);
    drawn_ = true;
}

void ProgressLine::finish() {
    if (!drawn_) return;
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
}

} // namespace streamsubmit::cli
