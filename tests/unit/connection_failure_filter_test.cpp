#include "plugins/kafka/client/connection_failure_filter.h"

#include <doctest/doctest.h>

using streamsubmit::kafka::ConnectionFailureFilter;

TEST_CASE("a repeated connection failure is logged once, then with the count of the repeats held back") {
    ConnectionFailureFilter filter(std::chrono::seconds(30));
    const auto t0 = ConnectionFailureFilter::Clock::now();
    const std::string refused = "librdkafka FAIL: [thrd:127.0.0.1:1/bootstrap]: 127.0.0.1:1/bootstrap: Connect to "
                                "ipv4#127.0.0.1:1 failed: Connection refused";
    CHECK(filter.admit(refused + " (after 0ms in state CONNECT)", t0) == refused + " (after 0ms in state CONNECT)");
    // Three more handles say the same, with librdkafka's own differing tails: held back.
    CHECK_FALSE(filter.admit(refused + " (after 0ms in state CONNECT)", t0));
    CHECK_FALSE(filter.admit(refused + " (after 1ms in state CONNECT, 1 identical error(s) suppressed)", t0));
    CHECK_FALSE(filter.admit(refused + " (after 0ms in state CONNECT)", t0 + std::chrono::seconds(29)));
    // Another broker's failure is news.
    CHECK(filter.admit("librdkafka FAIL: [thrd:b:9092/1]: b:9092/1: Connect failed (after 0ms in state CONNECT)", t0));
    // After the quiet time the next one is logged, counting what was held back.
    const auto later = filter.admit(refused + " (after 0ms in state CONNECT)", t0 + std::chrono::seconds(31));
    REQUIRE(later);
    CHECK(*later == refused + " (after 0ms in state CONNECT) [and 3 more like it in the last 31 s]");
}
