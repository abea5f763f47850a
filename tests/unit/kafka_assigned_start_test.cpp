// plugins/kafka/assigned_start: the start a partition gets before assign(), against
// librdkafka's mock cluster (the committed offsets come from a real OffsetFetch).
#include "plugins/kafka/assigned_start.h"

#include <doctest/doctest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <string>

using namespace streamsubmit::kafka;
using namespace std::chrono_literals;

namespace {

struct Handle {
    rd_kafka_t *rk = nullptr;
    ~Handle() {
        if (rk) rd_kafka_destroy(rk);
    }
};

rd_kafka_t *client(rd_kafka_type_t type, const std::string &bootstrap, const char *reset) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char errstr[256];
    auto set = [&](const char *k, const char *v) { REQUIRE(rd_kafka_conf_set(conf, k, v, errstr, sizeof errstr) == RD_KAFKA_CONF_OK); };
    if (bootstrap.empty()) set("test.mock.num.brokers", "1");
    else set("bootstrap.servers", bootstrap.c_str());
    if (type == RD_KAFKA_CONSUMER) {
        set("group.id", "assigned-start");
        set("auto.offset.reset", reset);
    }
    set("log_level", "0");
    rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
    REQUIRE(rk);
    return rk;
}

} // namespace

TEST_CASE("auto.offset.reset names map to librdkafka's logical offsets") {
    CHECK(reset_offset("smallest") == RD_KAFKA_OFFSET_BEGINNING);
    CHECK(reset_offset("earliest") == RD_KAFKA_OFFSET_BEGINNING);
    CHECK(reset_offset("beginning") == RD_KAFKA_OFFSET_BEGINNING);
    CHECK(reset_offset("largest") == RD_KAFKA_OFFSET_END);
    CHECK(reset_offset("latest") == RD_KAFKA_OFFSET_END);
    CHECK(reset_offset("end") == RD_KAFKA_OFFSET_END);
    CHECK(reset_offset("error") == RD_KAFKA_OFFSET_INVALID);
    CHECK(reset_offset("") == RD_KAFKA_OFFSET_INVALID);
}

TEST_CASE("an assigned partition starts at its committed offset, else where auto.offset.reset says") {
    Handle mock_host{client(RD_KAFKA_PRODUCER, "", "")};
    rd_kafka_mock_cluster_t *mock = rd_kafka_handle_mock_cluster(mock_host.rk);
    REQUIRE(mock);
    REQUIRE(rd_kafka_mock_topic_create(mock, "t", 3, 1) == RD_KAFKA_RESP_ERR_NO_ERROR);
    const std::string bootstrap = rd_kafka_mock_cluster_bootstraps(mock);
    // Five records in partition 1: its log start (0) and end (5) differ.
    for (int i = 0; i < 5; ++i)
        REQUIRE(rd_kafka_producev(mock_host.rk, RD_KAFKA_V_TOPIC("t"), RD_KAFKA_V_PARTITION(1),
                                  RD_KAFKA_V_VALUE(const_cast<char *>("v"), 1), RD_KAFKA_V_END) ==
                RD_KAFKA_RESP_ERR_NO_ERROR);
    REQUIRE(rd_kafka_flush(mock_host.rk, 10'000) == RD_KAFKA_RESP_ERR_NO_ERROR);

    for (const char *reset : {"earliest", "latest"}) {
        CAPTURE(reset);
        Handle consumer{client(RD_KAFKA_CONSUMER, bootstrap, reset)};
        rd_kafka_topic_partition_list_t *commit = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(commit, "t", 0)->offset = 7;
        REQUIRE(rd_kafka_commit(consumer.rk, commit, 0) == RD_KAFKA_RESP_ERR_NO_ERROR);
        rd_kafka_topic_partition_list_destroy(commit);

        rd_kafka_topic_partition_list_t *assigned = rd_kafka_topic_partition_list_new(3);
        rd_kafka_topic_partition_list_add(assigned, "t", 0)->offset = RD_KAFKA_OFFSET_INVALID;
        rd_kafka_topic_partition_list_add(assigned, "t", 1)->offset = RD_KAFKA_OFFSET_INVALID;
        rd_kafka_topic_partition_list_add(assigned, "t", 2)->offset = 3; // the host chose: kept
        CHECK(settle_assigned_start(consumer.rk, assigned, 5s) == 2);
        CHECK(assigned->elems[0].offset == 7);
        // Looked up, not left logical (resolve_logical_starts): the log start or its end.
        CHECK(assigned->elems[1].offset == (std::string(reset) == "earliest" ? 0 : 5));
        CHECK(assigned->elems[2].offset == 3);
        rd_kafka_topic_partition_list_destroy(assigned);
    }
}

TEST_CASE("with auto.offset.reset=error the partitions are left to librdkafka") {
    Handle mock_host{client(RD_KAFKA_PRODUCER, "", "")};
    rd_kafka_mock_cluster_t *mock = rd_kafka_handle_mock_cluster(mock_host.rk);
    REQUIRE(mock);
    REQUIRE(rd_kafka_mock_topic_create(mock, "t", 1, 1) == RD_KAFKA_RESP_ERR_NO_ERROR);
    Handle consumer{client(RD_KAFKA_CONSUMER, rd_kafka_mock_cluster_bootstraps(mock), "error")};
    rd_kafka_topic_partition_list_t *assigned = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(assigned, "t", 0)->offset = RD_KAFKA_OFFSET_INVALID;
    CHECK(settle_assigned_start(consumer.rk, assigned, 5s) == 0);
    CHECK(assigned->elems[0].offset == RD_KAFKA_OFFSET_INVALID);
    rd_kafka_topic_partition_list_destroy(assigned);
}
