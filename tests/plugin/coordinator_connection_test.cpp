// CoordinatorConnection against librdkafka's mock cluster: a consumer's coordinator connection
// that is up is not "settled"; once the group has ended (rd_kafka_consumer_close) it is, and a
// handle that was never followed, or was destroyed, never makes anyone wait.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "../../plugins/kafka/coordinator_connection.h"
#include "librdkafka_test_handles.h"

#include <chrono>

using namespace streamsubmit::kafka;
using namespace streamsubmit::kafka::testing;
using Clock = std::chrono::steady_clock;

namespace {

const char *const kTopic = "coordinator-connection";

Handle consumer(const MockCluster &cluster, bool followed) {
    return make(RD_KAFKA_CONSUMER,
                {{"bootstrap.servers", cluster.bootstraps}, {"group.id", "coordinator-connection"},
                 {"enable.sparse.connections", "false"}, {"log_level", "0"}},
                [followed](rd_kafka_conf_t *conf) {
                    if (followed) REQUIRE(CoordinatorConnection::follow(conf));
                });
}

// Asks the group for a committed offset: answered only over an up coordinator connection.
void bring_the_coordinator_up(rd_kafka_t *rk) {
    List list(rd_kafka_topic_partition_list_new(1), rd_kafka_topic_partition_list_destroy);
    rd_kafka_topic_partition_list_add(list.get(), kTopic, 0);
    REQUIRE(rd_kafka_committed(rk, list.get(), 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);
}

Clock::time_point in(std::chrono::milliseconds ms) { return Clock::now() + ms; }

} // namespace

TEST_CASE("an up coordinator connection settles only after the group has ended") {
    MockCluster cluster(kTopic, 3, 3);
    Handle rk = consumer(cluster, true);
    bring_the_coordinator_up(rk.get());
    CHECK_FALSE(CoordinatorConnection::wait_until_settled(rk.get(), in(std::chrono::milliseconds(200))));
    REQUIRE(rd_kafka_consumer_close(rk.get()) == RD_KAFKA_RESP_ERR_NO_ERROR);
    CHECK(CoordinatorConnection::wait_until_settled(rk.get(), in(std::chrono::seconds(5))));
}

TEST_CASE("a handle never followed, or destroyed, is settled at once") {
    MockCluster cluster(kTopic, 3, 3);
    Handle plain = consumer(cluster, false);
    bring_the_coordinator_up(plain.get());
    const auto start = Clock::now();
    CHECK(CoordinatorConnection::wait_until_settled(plain.get(), in(std::chrono::seconds(5))));

    Handle followed = consumer(cluster, true);
    bring_the_coordinator_up(followed.get());
    const rd_kafka_t *gone = followed.get();
    followed.reset(); // destroyed without a close: its on_destroy forgets it
    CHECK(CoordinatorConnection::wait_until_settled(const_cast<rd_kafka_t *>(gone), in(std::chrono::seconds(5))));
    CHECK(Clock::now() - start < std::chrono::seconds(5));
}
