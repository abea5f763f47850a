// The plugin's rebalance-protocol helpers against librdkafka's mock cluster: the protocol is
// read without crashing when librdkafka cannot tell it, and an assignment change whose protocol
// is unknown (a revocation served while the consumer closes) takes effect under both protocols.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "../../plugins/kafka/rebalance_protocol.h"
#include "librdkafka_test_handles.h"

#include <chrono>
#include <string>
#include <thread>

using namespace streamsubmit::kafka;
using namespace streamsubmit::kafka::testing;

namespace {

constexpr int kPartitions = 4;
const char *const kTopic = "rebalance-protocol";

// Assigns what the group gives through the helper, with the protocol librdkafka reports.
void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *partitions, void *) {
    const RebalanceProtocol protocol = rebalance_protocol(rk);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
        (void)assign_partitions(rk, partitions, protocol);
    else
        (void)unassign_partitions(rk, partitions, protocol);
}

List assignment(rd_kafka_t *rk) {
    rd_kafka_topic_partition_list_t *list = nullptr;
    REQUIRE(rd_kafka_assignment(rk, &list) == RD_KAFKA_RESP_ERR_NO_ERROR);
    return List(list, rd_kafka_topic_partition_list_destroy);
}

// A consumer of the mock cluster's topic that owns every partition (it is the group's only member).
Handle assigned_consumer(const MockCluster &cluster, const char *strategy) {
    Handle rk = make(RD_KAFKA_CONSUMER,
                     {{"bootstrap.servers", cluster.bootstraps}, {"group.id", std::string("g-") + strategy},
                      {"partition.assignment.strategy", strategy}, {"log_level", "0"}},
                     [](rd_kafka_conf_t *conf) { rd_kafka_conf_set_rebalance_cb(conf, on_rebalance); });
    List topics(rd_kafka_topic_partition_list_new(1), rd_kafka_topic_partition_list_destroy);
    rd_kafka_topic_partition_list_add(topics.get(), kTopic, RD_KAFKA_PARTITION_UA);
    REQUIRE(rd_kafka_subscribe(rk.get(), topics.get()) == RD_KAFKA_RESP_ERR_NO_ERROR);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (assignment(rk.get())->cnt < kPartitions && std::chrono::steady_clock::now() < deadline)
        if (rd_kafka_message_t *m = rd_kafka_consumer_poll(rk.get(), 100)) rd_kafka_message_destroy(m);
    REQUIRE(assignment(rk.get())->cnt == kPartitions);
    return rk;
}

void check_unknown_protocol_changes_take_effect(const char *strategy, RebalanceProtocol expected) {
    MockCluster cluster(kTopic, kPartitions);
    Handle rk = assigned_consumer(cluster, strategy);
    CHECK(rebalance_protocol(rk.get()) == expected);
    const RebalanceProtocol other =
        expected == RebalanceProtocol::Eager ? RebalanceProtocol::Cooperative : RebalanceProtocol::Eager;
    List all = assignment(rk.get());

    // The other protocol's call is refused and says why: this is what Unknown must fall back from.
    CHECK_FALSE(unassign_partitions(rk.get(), all.get(), other).empty());
    CHECK(assignment(rk.get())->cnt == kPartitions);

    CHECK(unassign_partitions(rk.get(), all.get(), RebalanceProtocol::Unknown).empty());
    CHECK(assignment(rk.get())->cnt == 0);
    CHECK(assign_partitions(rk.get(), all.get(), RebalanceProtocol::Unknown).empty());
    CHECK(assignment(rk.get())->cnt == kPartitions);
    rd_kafka_consumer_close(rk.get());
}

} // namespace

TEST_CASE("a handle without a consumer group has no protocol: Unknown, not a NULL to compare") {
    MockCluster cluster(kTopic, kPartitions);
    Handle rk = make(RD_KAFKA_CONSUMER, {{"bootstrap.servers", cluster.bootstraps}, {"log_level", "0"}});
    CHECK(rebalance_protocol(rk.get()) == RebalanceProtocol::Unknown);
}

TEST_CASE("an eager consumer: changes with an unknown protocol fall back to assign()") {
    check_unknown_protocol_changes_take_effect("range", RebalanceProtocol::Eager);
}

TEST_CASE("a cooperative consumer: changes with an unknown protocol use the incremental calls") {
    check_unknown_protocol_changes_take_effect("cooperative-sticky", RebalanceProtocol::Cooperative);
}
