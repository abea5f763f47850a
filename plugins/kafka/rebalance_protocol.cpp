#include "rebalance_protocol.h"

#include <cstring>

namespace streamsubmit::kafka {
namespace {

using IncrementalCall = rd_kafka_error_t *(*)(rd_kafka_t *, const rd_kafka_topic_partition_list_t *);

std::string incremental(IncrementalCall call, rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *partitions) {
    rd_kafka_error_t *e = call(rk, partitions);
    if (!e) return {};
    std::string why = rd_kafka_error_string(e);
    rd_kafka_error_destroy(e);
    return why.empty() ? "refused" : why;
}

std::string eager(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *partitions) {
    const rd_kafka_resp_err_t e = rd_kafka_assign(rk, partitions);
    return e ? rd_kafka_err2str(e) : std::string();
}

std::string change(IncrementalCall call, rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *partitions,
                   const rd_kafka_topic_partition_list_t *eager_list, RebalanceProtocol protocol) {
    if (protocol == RebalanceProtocol::Cooperative) return incremental(call, rk, partitions);
    if (protocol == RebalanceProtocol::Eager) return eager(rk, eager_list);
    const std::string refused = partitions ? incremental(call, rk, partitions) : "no partitions";
    if (refused.empty()) return {};
    const std::string also = eager(rk, eager_list);
    return also.empty() ? std::string() : refused + "; " + also;
}

} // namespace

RebalanceProtocol rebalance_protocol(rd_kafka_t *rk) {
    const char *name = rd_kafka_rebalance_protocol(rk);
    if (!name) return RebalanceProtocol::Unknown;
    return std::strcmp(name, "COOPERATIVE") == 0 ? RebalanceProtocol::Cooperative : RebalanceProtocol::Eager;
}

std::string assign_partitions(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *partitions,
                              RebalanceProtocol protocol) {
    return change(rd_kafka_incremental_assign, rk, partitions, partitions, protocol);
}

std::string unassign_partitions(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *partitions,
                                RebalanceProtocol protocol) {
    return change(rd_kafka_incremental_unassign, rk, partitions, nullptr, protocol);
}

} // namespace streamsubmit::kafka
