// Direct-mode metadata: partitions of topics, watermarks, offsets for timestamps.
#pragma once

#include "kafka_source.h"

namespace streamsubmit::kafka {

ss_status list_partitions(KafkaSource &src, const char *const *topics, size_t topic_count, const char *pattern,
                          int timeout_ms, ss_partition_fn fn, void *ctx, ss_error *err);

ss_status query_watermarks(KafkaSource &src, ss_watermarks *parts, size_t count, int timeout_ms, ss_error *err);

ss_status offsets_for_times(KafkaSource &src, ss_topic_partition *parts, size_t count, int timeout_ms,
                            ss_error *err);

} // namespace streamsubmit::kafka
