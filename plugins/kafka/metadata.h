// Direct-mode metadata: partitions of topics, watermarks, offsets for timestamps.
#pragma once

#include "kafka_source.h"

namespace streamsubmit::kafka {

ss_status list_partitions(KafkaSource &src, const char *const *topics, size_t topic_count, const char *pattern,
                          int timeout_ms, ss_partition_fn fn, void *ctx, ss_error *err);

// `parts` (and every array below) has the host's stride, checked by the caller.
ss_status query_watermarks(KafkaSource &src, ss_watermarks *parts, size_t count, size_t stride, int timeout_ms,
                           ss_error *err);

ss_status offsets_for_times(KafkaSource &src, ss_topic_partition *parts, size_t count, size_t stride,
                            int timeout_ms, ss_error *err);

} // namespace streamsubmit::kafka
