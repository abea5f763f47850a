#include "runtime/batch/batch_report.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace streamsubmit::runtime {

std::string to_string(const TopicPartition &tp) { return fmt::format("{}-{}", tp.topic, tp.partition); }

int64_t BatchReport::records() const {
    int64_t n = 0;
    for (const auto &r : ranges) n += r.records;
    return n;
}

int64_t BatchReport::bytes() const {
    int64_t n = 0;
    for (const auto &r : ranges) n += r.bytes;
    return n;
}

std::string format_text(const BatchReport &report) {
    std::string out = fmt::format("batch {} time={} records={}\n", report.id, report.time_ms, report.records());
    for (const auto &r : report.ranges)
        out += fmt::format("{} {} {} {}\n", r.range.tp.topic, r.range.tp.partition, r.range.from, r.range.until);
    return out;
}

std::string format_json(const BatchReport &report) {
    auto ms = [](double v) { return std::round(v * 1000.0) / 1000.0; };
    nlohmann::json ranges = nlohmann::json::array();
    for (const auto &r : report.ranges)
        ranges.push_back({{"topic", r.range.tp.topic},
                          {"partition", r.range.tp.partition},
                          {"fromOffset", r.range.from},
                          {"untilOffset", r.range.until},
                          {"records", r.records},
                          {"logEndOffset", r.log_end_offset}});
    const nlohmann::json doc = {
        {"batch", report.id},
        {"time", report.time_ms},
        {"mode", report.mode},
        {"records", report.records()},
        {"bytes", report.bytes()},
        {"rejected", report.rejected},
        {"durationMs",
         {{"plan", ms(report.durations.plan_ms)},
          {"read", ms(report.durations.read_ms)},
          {"output", ms(report.durations.output_ms)},
          {"query", ms(report.durations.query_ms)},
          {"process", ms(report.durations.process_ms)},
          {"commit", ms(report.durations.commit_ms)}}},
        {"rateLimit", report.rate_limit ? nlohmann::json(ms(*report.rate_limit)) : nlohmann::json(nullptr)},
        {"schedulingDelayMs", ms(report.scheduling_delay_ms)},
        {"processingMs", ms(report.processing_ms)},
        {"ranges", ranges}};
    return doc.dump() + "\n";
}

} // namespace streamsubmit::runtime
