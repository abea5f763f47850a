#include "plugins/kafka/client/librdkafka_log.h"

#include <doctest/doctest.h>

using streamsubmit::kafka::librdkafka_log_line;

TEST_CASE("librdkafka's debug lines name the handle that logged; other lines read the same from every handle") {
    const char *fetch = "[thrd:127.0.0.1:9092/1]: 127.0.0.1:9092/1: Fetch topic orders [0] at offset 0 (v3)";
    const auto debug = librdkafka_log_line(7, "FETCH", fetch, "streamsubmit#consumer-2");
    CHECK(debug.level == SS_LOG_DEBUG);
    CHECK(debug.text == std::string("librdkafka FETCH (streamsubmit#consumer-2): ") + fetch);
    CHECK(librdkafka_log_line(7, "FETCH", fetch, nullptr).text == std::string("librdkafka FETCH: ") + fetch);

    const auto warning = librdkafka_log_line(4, "COMMITFAIL", "commit failed", "streamsubmit#consumer-2");
    CHECK(warning.level == SS_LOG_WARN);
    CHECK(warning.text == "librdkafka COMMITFAIL: commit failed");
    CHECK(librdkafka_log_line(3, "ERROR", "boom", "streamsubmit#consumer-3").text == "librdkafka ERROR: boom");
    CHECK(librdkafka_log_line(3, "ERROR", "boom", "x").level == SS_LOG_WARN); // errors are shown as warnings
}
