// GET /api/job, /api/batches and /api/partitions: what the status page draws, as JSON (documented
// in README "Monitoring" and the man page). The bodies are built by pure functions of the
// JobState's snapshots, so that unit tests check them without a server.
#pragma once

#include "metrics/http_server.h"
#include "metrics/job_info.h"
#include "metrics/job_state.h"
#include "metrics/pace.h"

#include <string>
#include <vector>

namespace streamsubmit::metrics {

// {"name", "mode", "coordination", "group", "groupInstance", "topics", "batchIntervalMs",
//  "startedAt", "version", "checkpoint"}; an unset group, instance or checkpoint is null.
std::string job_json(const JobInfo &job);

// {"batchIntervalMs", "state": {"state", "line", "growingBatches"}, "batches": [oldest first:
//  {"id", "time", "outcome", "replayed", "records", "bytes", "rejected", "recordsPerSecond",
//   "processingMs", "schedulingDelayMs", "rateLimit", "phasesMs": {query, plan, read, process,
//   commit, output}}]}
std::string batches_json(const std::vector<BatchSummary> &batches, std::chrono::milliseconds batch_interval,
                         const Pace &pace);

// {"time", "partitions": [{"topic", "partition", "position", "latest", "lag", "lagSeconds",
//  "lastBatch", "owned"}]}; what is not known (a receiver's latest offset before its first
// poll, lag seconds before the partition's first processed record) is null. "owned": a direct
// batch names every partition the instance owns, so in `direct` mode a partition is owned when
// the last committed batch read it; a receiver batch names only the partitions that got
// records: null there.
std::string partitions_json(const std::vector<PartitionState> &partitions, int64_t last_committed_batch,
                            int64_t now_ms, bool direct);

// Registers the three paths on `server`; `state` and `job` must outlive it.
void serve_status_api(HttpServer &server, const JobState &state, const JobInfo &job);

} // namespace streamsubmit::metrics
