// The process_* series Prometheus's client libraries export (prometheus-cpp has none): CPU
// time, resident and virtual memory, start time, open and maximum file descriptors, threads,
// read from /proc/self at scrape time.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <optional>
#include <string>

namespace streamsubmit::metrics {

struct ProcessStats {
    double cpu_seconds = 0;
    double resident_bytes = 0;
    double virtual_bytes = 0;
    double start_time_seconds = 0; // since the epoch
    double threads = 0;
};

// Parses /proc/<pid>/stat (the fields after the command name) given the clock ticks per second,
// the page size and the boot time (btime of /proc/stat); none when the line is malformed.
std::optional<ProcessStats> parse_proc_stat(const std::string &stat, long ticks_per_second, long page_size,
                                            double boot_time_seconds);

class ProcessCollector final : public prometheus::Collectable {
public:
    std::vector<prometheus::MetricFamily> Collect() const override;
};

} // namespace streamsubmit::metrics
