// librdkafka handles for the plugin's unit tests: owned handles and lists, a handle made from
// key/value settings (with a hook on its conf before rd_kafka_new), and librdkafka's in-process
// mock cluster with one topic.
#pragma once

#include <doctest/doctest.h>
#include <librdkafka/rdkafka_mock.h>

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>

namespace streamsubmit::kafka::testing {

using Handle = std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t *)>;
using List = std::unique_ptr<rd_kafka_topic_partition_list_t, void (*)(rd_kafka_topic_partition_list_t *)>;

inline Handle make(rd_kafka_type_t type, std::initializer_list<std::pair<const char *, std::string>> settings,
                   const std::function<void(rd_kafka_conf_t *)> &configure = {}) {
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    for (const auto &[key, value] : settings)
        REQUIRE_MESSAGE(rd_kafka_conf_set(conf, key, value.c_str(), errstr, sizeof errstr) == RD_KAFKA_CONF_OK, errstr);
    if (configure) configure(conf);
    rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
    REQUIRE_MESSAGE(rk, errstr);
    return Handle(rk, rd_kafka_destroy);
}

struct MockCluster {
    Handle owner;
    rd_kafka_mock_cluster_t *mock;
    std::string bootstraps;

    MockCluster(const char *topic, int partitions, int brokers = 1)
        : owner(make(RD_KAFKA_PRODUCER, {{"test.mock.num.brokers", std::to_string(brokers)}, {"log_level", "0"}})),
          mock(rd_kafka_handle_mock_cluster(owner.get())), bootstraps(rd_kafka_mock_cluster_bootstraps(mock)) {
        REQUIRE(rd_kafka_mock_topic_create(mock, topic, partitions, 1) == RD_KAFKA_RESP_ERR_NO_ERROR);
    }
};

} // namespace streamsubmit::kafka::testing
