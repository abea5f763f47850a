// Group-coordinated direct mode: the one consumer of a process that joins the group to
// learn its partitions and commit their progress, but fetches nothing (ss_member_api).
#pragma once

#include "kafka_source.h"

namespace streamsubmit::kafka {

// serve(): rebalance events for up to timeout_ms; records are never delivered.
ss_status serve_member(KafkaSource &src, int timeout_ms, ss_error *err);
// `parts` has the host's stride, checked by the caller.
ss_status committed_offsets(KafkaSource &src, ss_topic_partition *parts, size_t count, size_t stride,
                            int timeout_ms, ss_error *err);
ss_status group_metadata(KafkaSource &src, void *buf, size_t capacity, size_t *size, ss_error *err);

} // namespace streamsubmit::kafka
