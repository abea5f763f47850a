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

std::string format_progress(int64_t done, int64_t total, double seconds, std::optional<double> rate_limit) {
    const int percent = total > 0 ? static_cast<int>(done * 100 / total) : 100;
    std::string line = fmt::format("{}/{} records ({}%)", done, total, percent);
    if (seconds > 0 && done > 0) {
        const double rate = done / seconds;
        const auto eta = static_cast<int64_t>((total - done) / rate);
        line += fmt::format(", {} records/s, ETA {}:{:02}", human_rate(rate), eta / 60, eta % 60);
    }
    if (rate_limit) line += fmt::format(", limit {} records/s", human_rate(*rate_limit));
    return line;
}

std::string format_batch_progress(int64_t batch, int64_t records, std::optional<double> rate_limit,
                                  double scheduling_delay_ms) {
    return fmt::format("batch {}: {} records, limit {}, scheduling delay {:.1f} s", batch, records,
                       rate_limit ? human_rate(*rate_limit) + " records/s" : std::string("none"),
                       scheduling_delay_ms / 1000.0);
}

std::string human_bytes(long long bytes) {
    if (bytes < 1024) return fmt::format("{} B", bytes);
    const char *units[] = {"KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(bytes) / 1024;
    size_t u = 0;
    while (v >= 1024 && u + 1 < std::size(units)) {
        v /= 1024;
        ++u;
    }
    return fmt::format("{:.1f} {}", v, units[u]);
}

std::string format_download_progress(const resolver::DownloadProgress &p) {
    std::string line = fmt::format("resolving: {}/{} files", p.files_done, p.files_total);
    if (p.bytes_done > 0) line += ", " + human_bytes(p.bytes_done);
    return line;
}

ProgressLine::ProgressLine() : enabled_(terminal_wanted()), start_(std::chrono::steady_clock::now()) {}

ProgressLine::~ProgressLine() { finish(); }

void ProgressLine::draw(const std::string &text) {
    if (!enabled_) return;
    // \r and "erase to end of line": redraw in place without colours (NO_COLOR holds trivially).
    std::fprintf(stderr, "\r%s\033[K", text.c_str());
    std::fflush(stderr);
    drawn_ = true;
}

void ProgressLine::update(int64_t done, int64_t total) {
    if (!enabled_) return;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    draw(format_progress(done, total, seconds, rate_limit_));
}

void ProgressLine::finish() {
    if (!drawn_) return;
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
}

void DownloadProgressLine::attach(resolver::ResolverSettings &s) {
    s.progress = enabled();
    if (!s.progress) return;
    s.on_progress = [this](const resolver::DownloadProgress &p) { update(p); };
    if (s.log)
        s.log = [this, log = std::move(s.log)](std::string_view line) {
            finish(); // the next update draws the line again below the diagnostic
            log(line);
        };
}

void DownloadProgressLine::update(const resolver::DownloadProgress &p) { line_.draw(format_download_progress(p)); }

} // namespace streamsubmit::cli
