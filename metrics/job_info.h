// What the status page says about the job itself: fixed for the job's lifetime, filled in by
// cli/ from the configuration (only these fields: no kafka.* value, so no secret, reaches a page).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace streamsubmit::metrics {

struct JobInfo {
    std::string name;           // stream.name (--name)
    std::string mode;           // stream.mode: direct or receiver
    std::string coordination;   // stream.kafka.coordination: checkpoint or group
    std::string group;          // kafka.group.id (empty: none)
    std::string group_instance; // kafka.group.instance.id (empty: none)
    std::vector<std::string> topics;
    std::chrono::milliseconds batch_interval{2000};
    int64_t started_at_ms = 0; // epoch ms at which the endpoint started (the job's start)
    std::string version;
    std::optional<std::string> checkpoint; // stream.checkpoint.dir, when the job has one
};

} // namespace streamsubmit::metrics
