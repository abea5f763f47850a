// Which rebalance protocol a subscribed consumer follows, and changing its assignment under it.
// rd_kafka_rebalance_protocol() answers NULL when the group handle cannot answer (it is
// terminating: a revocation served while the consumer closes), and a strcmp() of that NULL
// crashed a group-mode member stopping right after a rebalance (SIGSEGV in a CI run).
#pragma once

#include <librdkafka/rdkafka.h>

#include <string>

namespace streamsubmit::kafka {

enum class RebalanceProtocol { Eager, Cooperative, Unknown };

RebalanceProtocol rebalance_protocol(rd_kafka_t *rk);

// Takes `partitions` with the call the protocol needs: incremental_assign (cooperative) or
// assign (eager). Unknown tries the incremental call first and, when librdkafka refuses it (an
// eager consumer), the eager one. Returns why neither was accepted; empty on success.
std::string assign_partitions(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *partitions,
                              RebalanceProtocol protocol);
// Gives `partitions` up likewise: incremental_unassign, or assign(NULL) which gives up all.
std::string unassign_partitions(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *partitions,
                                RebalanceProtocol protocol);

} // namespace streamsubmit::kafka
