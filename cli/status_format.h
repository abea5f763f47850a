// What `streamsubmit status` prints: one line per partition (position, latest offset, lag) and
// the last batch, as text or as one JSON object.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace streamsubmit::cli {

struct PartitionStatus {
    std::string topic;
    int32_t partition = 0;
    std::optional<int64_t> position; // where the job continues; none when it has not read the partition
    std::optional<int64_t> latest;   // the partition's latest offset now
    std::optional<int64_t> lag() const;
};

struct LastBatch {
    int64_t id = 0;
    int64_t time_ms = 0;
    std::string state; // "complete" or "planned" (running, or interrupted: a restart re-runs it)
};

struct JobStatus {
    std::string checkpoint; // the directory read, or empty
    std::string group;      // the group whose committed offsets are the positions, or empty
    std::vector<PartitionStatus> partitions; // sorted by topic, partition
    std::optional<LastBatch> last_batch;
};

// "TOPIC PARTITION POSITION LATEST LAG" lines ('-' for what is not known), then
// "last batch ID time=EPOCH-MS (ISO UTC) state=STATE" or "last batch: none".
std::string format_status_text(const JobStatus &status);
// {"checkpoint":..,"group":..,"partitions":[{"topic","partition","position","latest","lag"}],
//  "last_batch":{"id","time","state"}|null}; unknown numbers are null. Newline-terminated.
std::string format_status_json(const JobStatus &status);

} // namespace streamsubmit::cli
