#include "metrics/process_collector.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace streamsubmit::metrics {
namespace {

std::string read_file(const char *path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

double boot_time_seconds() {
    std::istringstream in(read_file("/proc/stat"));
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
    return 0;
}

prometheus::MetricFamily gauge(const char *name, const char *help, double value,
                               prometheus::MetricType type = prometheus::MetricType::Gauge) {
    prometheus::ClientMetric metric;
    if (type == prometheus::MetricType::Counter)
        metric.counter.value = value;
    else
        metric.gauge.value = value;
    return {name, help, type, {metric}};
}

} // namespace

std::optional<ProcessStats> parse_proc_stat(const std::string &stat, long ticks_per_second, long page_size,
                                            double boot_time_seconds) {
    // The command name is in parentheses and may hold spaces and parentheses: fields start after the last ')'.
    const auto close = stat.rfind(')');
    if (close == std::string::npos || ticks_per_second <= 0) return std::nullopt;
    std::istringstream in(stat.substr(close + 1));
    std::vector<std::string> f; // f[0] is field 3 (state)
    for (std::string field; in >> field;) f.push_back(field);
    if (f.size() < 22) return std::nullopt;
    try {
        ProcessStats s;
        const double ticks = static_cast<double>(ticks_per_second);
        s.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks; // utime, stime (fields 14, 15)
        s.threads = std::stod(f[17]);                                   // field 20
        s.start_time_seconds = boot_time_seconds + std::stod(f[19]) / ticks; // field 22
        s.virtual_bytes = std::stod(f[20]);                              // field 23
        s.resident_bytes = std::stod(f[21]) * static_cast<double>(page_size); // field 24, pages
        return s;
    } catch (const std::exception &) {
        return std::nullopt;
    }
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
    static const double boot = boot_time_seconds();
    const auto stats = parse_proc_stat(read_file("/proc/self/stat"), sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE), boot);
    std::vector<prometheus::MetricFamily> out;
    if (stats) {
        out.push_back(gauge("process_cpu_seconds_total", "Total user and system CPU time spent in seconds",
                            stats->cpu_seconds, prometheus::MetricType::Counter));
        out.push_back(gauge("process_resident_memory_bytes", "Resident memory size in bytes", stats->resident_bytes));
        out.push_back(gauge("process_virtual_memory_bytes", "Virtual memory size in bytes", stats->virtual_bytes));
        out.push_back(gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds",
                            stats->start_time_seconds));
        out.push_back(gauge("process_threads", "Number of OS threads in the process", stats->threads));
    }
    std::error_code ec;
    double fds = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::end(it);
         it.increment(ec))
        ++fds;
    if (!ec) out.push_back(gauge("process_open_fds", "Number of open file descriptors", fds));
    if (rlimit limit{}; getrlimit(RLIMIT_NOFILE, &limit) == 0)
        out.push_back(gauge("process_max_fds", "Maximum number of open file descriptors",
                            static_cast<double>(limit.rlim_cur)));
    return out;
}

} // namespace streamsubmit::metrics
