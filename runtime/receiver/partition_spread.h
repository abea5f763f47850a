// Receiver mode with one consumer per job: which receiver thread reads each partition the
// group assigns. The guide's `topic:threads` (Spark's createStream) means threads within one
// receiver: a topic's partitions are spread over that topic's threads only, so the per-topic
// thread counts of `--topics orders:2,clicks:1` keep their meaning in one group member.
#pragma once

#include "runtime/core/offset_range.h"

#include <map>
#include <string>
#include <vector>

namespace streamsubmit::runtime {

// `threads_of_topic`: the receiver indexes that read each topic. `held`: how many partitions
// each receiver holds now (a cooperative rebalance assigns a few more to a running job).
// Each newly assigned partition, in order, goes to its topic's thread that holds the fewest
// (ties: the lowest index): after an eager rebalance, partition i of a topic with n threads
// goes to its (i mod n)-th thread. A topic without threads (never subscribed) goes to the
// least busy thread of all. Returns the new partitions by receiver index.
std::map<int, std::vector<TopicPartition>> spread_partitions(const std::vector<TopicPartition> &assigned,
                                                             const std::map<std::string, std::vector<int>> &threads_of_topic,
                                                             std::map<int, size_t> held);

} // namespace streamsubmit::runtime
