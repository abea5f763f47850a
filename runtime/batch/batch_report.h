// What one batch read, and its two printed forms: the seed's text lines and JSON Lines.
#pragma once

#include "runtime/core/offset_range.h"

#include <optional>
#include <string>
#include <vector>

namespace streamsubmit::runtime {

struct RangeReport {
    OffsetRange range;
    int64_t records = 0;          // records actually delivered (gaps make it < range.size())
    int64_t bytes = 0;            // key + value bytes
    int64_t log_end_offset = 0;   // the partition's latest offset when the batch was planned
    int64_t last_timestamp_ms = -1; // the timestamp of the range's last record (-1: none, or not known)
};

struct BatchDurations {
    double plan_ms = 0;   // planning the ranges (data-loss check, rate limits), no network
    double read_ms = 0;   // reading every range
    double output_ms = 0; // building the report
    double query_ms = 0;  // asking the brokers for partitions and offsets before planning
    double process_ms = 0; // in the application's process calls (overlaps read: on the busiest reader thread)
    double commit_ms = 0;  // in the application's commit
};

struct BatchReport {
    int64_t id = 0;
    int64_t time_ms = 0; // epoch ms at which the batch was planned
    std::string mode;    // "direct" or "receiver"
    std::vector<RangeReport> ranges; // sorted by topic, partition
    BatchDurations durations;
    std::optional<double> rate_limit; // stream.backpressure: records/s this batch was limited to
    double scheduling_delay_ms = 0;   // how late the batch started after it was due
    double processing_ms = 0;         // what backpressure counts: the batch's start to its output
    int64_t rejected = 0;             // records the application rejected (stream.errors.tolerance=all)

    int64_t records() const;
    int64_t bytes() const;
};

// "batch <id> time=<epoch-ms> records=<n>" then "topic partition fromOffset untilOffset" per range.
std::string format_text(const BatchReport &report);

// One JSON object on one line, newline-terminated.
std::string format_json(const BatchReport &report);

} // namespace streamsubmit::runtime
