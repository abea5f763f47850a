#include "errors.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>

namespace streamsubmit::kafka {

namespace {

// Bytes of message the caller's ss_error holds, as it was built (0: none).
size_t message_capacity(const ss_error *err) {
    if (!err || err->struct_size <= offsetof(ss_error, message))
        return 0;
    return std::min<size_t>(err->struct_size - offsetof(ss_error, message), sizeof err->message);
}

} // namespace

ss_status set_error(ss_error *err, ss_status status, std::string_view message) {
    const size_t capacity = message_capacity(err);
    if (capacity == 0)
        return status;
    size_t n = std::min(message.size(), capacity - 1);
    // No trailing newline (librdkafka texts sometimes carry one).
    while (n > 0 && (message[n - 1] == '\n' || message[n - 1] == '\r'))
        --n;
    std::memcpy(err->message, message.data(), n);
    err->message[n] = '\0';
    return status;
}

void clear_error(ss_error *err) {
    if (message_capacity(err) > 0)
        err->message[0] = '\0';
}

bool is_transport_error(rd_kafka_resp_err_t e) {
    switch (e) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
        return true;
    default:
        return false;
    }
}

bool is_retriable_partition_error(rd_kafka_resp_err_t e) {
    switch (e) {
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR__IN_PROGRESS:
        return true;
    default:
        return is_transport_error(e);
    }
}

bool is_unknown_topic(rd_kafka_resp_err_t e) {
    return e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || e == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
           e == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
}

ss_status broker_status(rd_kafka_resp_err_t e) {
    if (is_transport_error(e))
        return SS_ERR_UNREACHABLE;
    switch (e) {
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__NODE_UPDATE:
        return SS_ERR_BROKER_TRANSIENT;
    default:
        return is_retriable_partition_error(e) ? SS_ERR_BROKER_TRANSIENT : SS_ERR_BROKER;
    }
}

std::string topic_partition_name(const char *topic, int32_t partition) {
    return std::string(topic ? topic : "(null)") + " [" + std::to_string(partition) + "]";
}

} // namespace streamsubmit::kafka
