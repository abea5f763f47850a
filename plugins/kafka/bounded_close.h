// Closing a librdkafka handle within a deadline, whatever the brokers do. librdkafka's own
// rd_kafka_consumer_close() and rd_kafka_destroy() wait for the group coordinator and for
// their threads without a time limit: a broker that is gone, paused (SIGSTOP) or in the
// middle of a rebalance kept processes alive for good.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <vector>

namespace streamsubmit::kafka {

using CloseDeadline = std::chrono::steady_clock::time_point;

// Leaves the consumer group (rd_kafka_consumer_close_queue), serving the revocation
// itself, until closed or `deadline`. Returns false when the deadline came first.
bool close_consumer_until(rd_kafka_t *rk, CloseDeadline deadline);

// Ends a consumer's group if it is not ended yet (close_consumer_until) and waits for its
// coordinator connection to settle (CoordinatorConnection), then runs
// rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE); all on a helper thread,
// waited for until `deadline`. Returns false when the deadline came first: the helper is
// left running, and whatever rk's callbacks use must then stay alive.
bool destroy_until(rd_kafka_t *rk, CloseDeadline deadline);
// destroy_until for several handles at once (a helper thread each). False when one was still
// being destroyed at the deadline.
bool destroy_all_until(const std::vector<rd_kafka_t *> &handles, CloseDeadline deadline);

} // namespace streamsubmit::kafka
