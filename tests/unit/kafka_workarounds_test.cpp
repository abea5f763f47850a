#include "plugins/kafka/workarounds.h"

#include <doctest/doctest.h>
#include <librdkafka/rdkafka.h>

using streamsubmit::kafka::Workarounds;
using streamsubmit::kafka::workarounds;
using streamsubmit::kafka::workarounds_for;

namespace {

void check_all(const Workarounds &w, bool fetch_wake, bool dense_connections, bool abandon) {
    CHECK(w.fetch_wake == fetch_wake);
    CHECK(w.short_fetch_queue_backoff == !fetch_wake);
    CHECK(w.dense_connections == dense_connections);
    CHECK(w.short_fetcher_reconnect_backoff == dense_connections); // the same release (2.10.0) ends both
    CHECK(w.abandon_unassigned_member == abandon);
}

} // namespace

TEST_CASE("librdkafka workarounds: 2.0.2 (Debian 12) and older need every one") {
    check_all(workarounds_for(0x020002ff), true, true, true); // 2.0.2
    check_all(workarounds_for(0x010902ff), true, true, true); // 1.9.2
    check_all(workarounds_for(0x020101ff), true, true, true); // 2.1.1
}

TEST_CASE("librdkafka workarounds: each is dropped at the release that changed its cause") {
    SUBCASE("2.2.0: fetch.queue.backoff.ms replaces the fetch wake-ups") {
        check_all(workarounds_for(0x020200ff), false, true, true);
    }
    SUBCASE("2.3.0: closing a never-assigned cooperative member no longer asserts") {
        check_all(workarounds_for(0x020300ff), false, true, false);
        check_all(workarounds_for(0x020800ff), false, true, false); // 2.8.0, the last before 2.10
    }
    SUBCASE("2.10.0: a suppressed first connection is retried at once") {
        check_all(workarounds_for(0x020a00ff), false, false, false);
        check_all(workarounds_for(0x020a01ff), false, false, false); // 2.10.1
        check_all(workarounds_for(0x020f00ff), false, false, false); // 2.15.0
    }
}

TEST_CASE("librdkafka workarounds: a pre-release of a fixing version keeps the workaround") {
    check_all(workarounds_for(0x020a0001), false, true, false); // 2.10.0 pre-release
    check_all(workarounds_for(0x02020000), true, true, true);   // 2.2.0 pre-release
}

TEST_CASE("librdkafka workarounds: the header count shortcut is bounded by the releases read (2.0.2, 2.15.0)") {
    CHECK(workarounds_for(0x020002ff).header_count_shortcut); // 2.0.2
    CHECK(workarounds_for(0x020f00ff).header_count_shortcut); // 2.15.0
    CHECK(workarounds_for(0x020f01ff).header_count_shortcut); // a 2.15 patch release
    CHECK_FALSE(workarounds_for(0x02100001).header_count_shortcut); // a 2.16.0 pre-release
    CHECK_FALSE(workarounds_for(0x021000ff).header_count_shortcut); // 2.16.0
}

TEST_CASE("librdkafka workarounds: the process uses the loaded library's version") {
    const Workarounds expected = workarounds_for(rd_kafka_version());
    check_all(workarounds(), expected.fetch_wake, expected.dense_connections, expected.abandon_unassigned_member);
    CHECK(workarounds().header_count_shortcut == expected.header_count_shortcut);
}
