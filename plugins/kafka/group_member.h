// Group-coordinated direct mode: the one consumer of a process that joins the group to
// learn its partitions and commit their progress, but fetches nothing (ABI 1.1 calls).
#pragma once

#include "kafka_source.h"

namespace streamsubmit::kafka {

// poll() of a member: serves rebalance events for up to timeout_ms; records are never delivered.
ss_status serve_member(KafkaSource &src, int timeout_ms, ss_error *err);
ss_status committed_offsets(KafkaSource &src, ss_topic_partition *parts, size_t count, int timeout_ms,
                            ss_error *err);
ss_status group_metadata(KafkaSource &src, void *buf, size_t capacity, size_t *size, ss_error *err);

} // namespace streamsubmit::kafka
