// Receiver mode (subscribe/poll/pause/resume) and commit_offsets. Every array has the host's
// stride, checked by the caller.
#pragma once

#include "kafka_source.h"

namespace streamsubmit::kafka {

// Synchronous; `metadata` (may be NULL) goes with every partition. A member that no longer
// owns a partition gets SS_ERR_FENCED.
ss_status commit_offsets(KafkaSource &src, const ss_topic_partition *offsets, size_t count, size_t stride,
                         const char *metadata, ss_error *err);

// subscribe (Mode::Receiver) and join_group (Mode::Member): reopens the handle for `mode`.
ss_status subscribe_as(KafkaSource::Mode mode, KafkaSource &src, const char *const *topics, size_t topic_count,
                       ss_rebalance_fn on_rebalance, void *ctx, ss_error *err);
ss_status poll(KafkaSource &src, int timeout_ms, size_t max_records, ss_records_fn fn, void *ctx, ss_error *err);
// Streams (ABI 2.1, partition_streams.h): route_assigned only inside on_rebalance(ASSIGN).
ss_status route_assigned(KafkaSource &src, const ss_topic_partition *parts, size_t count, size_t stride,
                         int32_t stream, ss_error *err);
ss_status poll_stream(KafkaSource &src, int32_t stream, int timeout_ms, size_t max_records, ss_records_fn fn,
                      void *ctx, ss_error *err);
// ABI 2.5: inside poll_stream(stream)'s callback, on its thread, keeps the delivery's records
// (record_lease.h); null anywhere else.
ss_record_lease *retain_records(KafkaSource &src, int32_t stream);
ss_status pause(KafkaSource &src, const ss_topic_partition *parts, size_t count, size_t stride, ss_error *err);
ss_status resume(KafkaSource &src, const ss_topic_partition *parts, size_t count, size_t stride, ss_error *err);

// Only from inside on_rebalance(ASSIGN): those partitions start at the given offsets.
ss_status start_assigned_at(KafkaSource &src, const ss_topic_partition *positions, size_t count, size_t stride,
                            ss_error *err);

// librdkafka rebalance_cb installed on receiver-mode handles (opaque = KafkaSource*).
void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *partitions,
                  void *opaque);

} // namespace streamsubmit::kafka
