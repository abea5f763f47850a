// Where newly assigned partitions start, settled before assign() so that none waits 100 ms.
//
// librdkafka starts a partition assigned at offset INVALID by fetching the group's committed
// offset; a partition without one is reset to auto.offset.reset as an error (__NO_OFFSET),
// and rd_kafka_offset_reset() backs an error's offset lookup off by 100 ms
// (rdkafka_offset.c, `err ? 100 : 0`, from 2.0.2 to at least 2.15). A fresh group's receivers
// therefore read nothing for the first 100 ms of every start (debug trace: "Starting pending
// assigned partition ... at offset INVALID" at +40 ms, its ListOffsetsRequest at +140 ms).
// Asked here, the same committed offsets (one OffsetFetch, which librdkafka then does not
// send) give each partition a position: the committed offset, or for a partition without one
// where auto.offset.reset puts it (BEGINNING or END, looked up at once: resolve_logical_starts).
// Nothing else changes: the same offsets, the same reset. With auto.offset.reset=error, or when
// the query fails, the partition keeps INVALID and librdkafka decides as before. No
// release changed this, so it runs whatever librdkafka is loaded (workarounds.h).
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>

namespace streamsubmit::kafka {

// The logical offset auto.offset.reset names (rd_kafka_conf_get's value), INVALID for
// "error" or an unknown name.
int64_t reset_offset(const char *auto_offset_reset);

// Inside the ASSIGN callback, before assign(): gives each partition of `partitions` still at
// INVALID (the host chose no start for it) its committed offset or the reset offset.
// Returns how many it gave a start (0 when the query failed: librdkafka then asks itself).
int settle_assigned_start(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *partitions,
                          std::chrono::milliseconds timeout);

} // namespace streamsubmit::kafka
