#include "cli/status_format.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>

namespace streamsubmit::cli {
namespace {

std::string cell(const std::optional<int64_t> &v) { return v ? std::to_string(*v) : "-"; }

nlohmann::json number(const std::optional<int64_t> &v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

std::string utc(int64_t epoch_ms) {
    const std::chrono::sys_time<std::chrono::milliseconds> t{std::chrono::milliseconds(epoch_ms)};
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(t));
}

} // namespace

std::optional<int64_t> PartitionStatus::lag() const {
    if (!position || !latest) return std::nullopt;
    return std::max<int64_t>(0, *latest - *position);
}

std::string format_status_text(const JobStatus &status) {
    size_t topic_width = 5;
    for (const auto &p : status.partitions) topic_width = std::max(topic_width, p.topic.size());
    std::string out = fmt::format("{:<{}} {:>9} {:>12} {:>12} {:>12}\n", "TOPIC", topic_width, "PARTITION", "POSITION",
                                  "LATEST", "LAG");
    for (const auto &p : status.partitions)
        out += fmt::format("{:<{}} {:>9} {:>12} {:>12} {:>12}\n", p.topic, topic_width, p.partition, cell(p.position),
                           cell(p.latest), cell(p.lag()));
    if (status.last_batch)
        out += fmt::format("last batch {} time={} ({}) state={}\n", status.last_batch->id, status.last_batch->time_ms,
                           utc(status.last_batch->time_ms), status.last_batch->state);
    else
        out += "last batch: none\n";
    return out;
}

std::string format_status_json(const JobStatus &status) {
    nlohmann::json partitions = nlohmann::json::array();
    for (const auto &p : status.partitions)
        partitions.push_back({{"topic", p.topic},
                              {"partition", p.partition},
                              {"position", number(p.position)},
                              {"latest", number(p.latest)},
                              {"lag", number(p.lag())}});
    nlohmann::json doc = {{"checkpoint", status.checkpoint.empty() ? nlohmann::json(nullptr) : nlohmann::json(status.checkpoint)},
                          {"group", status.group.empty() ? nlohmann::json(nullptr) : nlohmann::json(status.group)},
                          {"partitions", partitions},
                          {"last_batch", nullptr}};
    if (status.last_batch)
        doc["last_batch"] = {
            {"id", status.last_batch->id}, {"time", status.last_batch->time_ms}, {"state", status.last_batch->state}};
    return doc.dump() + "\n";
}

} // namespace streamsubmit::cli
