// Filling ss_error and mapping librdkafka error codes onto ss_status.
#pragma once

#include <librdkafka/rdkafka.h>
#include <streamsubmit/plugin.h>

#include <string>
#include <string_view>

namespace streamsubmit::kafka {

// Writes a truncated, NUL-terminated message into err and returns status (the call's only
// outcome: ss_error holds no status). A NULL err, or one whose struct_size leaves no room for
// a message, gets nothing.
ss_status set_error(ss_error *err, ss_status status, std::string_view message);

// Empties err's message (same rules for a NULL or too small err).
void clear_error(ss_error *err);

// Errors that mean "no broker answered": the caller may retry or report unreachable.
bool is_transport_error(rd_kafka_resp_err_t e);

// Per-partition errors a ListOffsets retry can fix (leader moving, broker restarting).
bool is_retriable_partition_error(rd_kafka_resp_err_t e);

// The topic (or its partition) does not exist: deleted, or not created yet.
bool is_unknown_topic(rd_kafka_resp_err_t e);

// A broker error as a status: unreachable, transient (worth retrying) or permanent.
ss_status broker_status(rd_kafka_resp_err_t e);

// "orders [2]"
std::string topic_partition_name(const char *topic, int32_t partition);

} // namespace streamsubmit::kafka
