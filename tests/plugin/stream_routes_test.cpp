// Receiver streams' bookkeeping (plugins/kafka/stream_routes.h): which stream's handle fetches a
// partition the member routed, and what each rebalance assigns to or takes from each handle.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "../../plugins/kafka/stream_routes.h"

#include <atomic>
#include <set>
#include <thread>

using namespace streamsubmit::kafka;
using P = StreamRoutes::Partition;

namespace {

const auto kAll = [](const P &) { return true; };

std::vector<P> names(std::initializer_list<P> l) { return {l}; }

} // namespace

TEST_CASE("routes become current only after the assignment, the last route of a partition wins") {
    StreamRoutes r;
    CHECK(r.empty());
    r.route("orders", 0, 0);
    r.route("orders", 1, 1);
    r.route("orders", 2, 0);
    r.route("orders", 2, 1); // routed again in the same callback: stream 1 reads it
    CHECK(r.stream_of("orders", 0) == -1); // not before take_routed
    CHECK(r.empty());

    StreamRoutes::Changes joining, leaving;
    r.take_routed(kAll, joining, leaving);
    CHECK(leaving.empty());
    REQUIRE(joining.size() == 2);
    CHECK(joining[0] == names({{"orders", 0}}));
    CHECK(joining[1] == names({{"orders", 1}, {"orders", 2}}));
    CHECK(!r.empty());
    CHECK(r.stream_of("orders", 0) == 0);
    CHECK(r.stream_of("orders", 2) == 1);
    CHECK(r.stream_of("orders", 3) == -1);
    CHECK(r.stream_of("clicks", 0) == -1);

    // Nothing pending: a second call changes nothing.
    StreamRoutes::Changes j2, l2;
    r.take_routed(kAll, j2, l2);
    CHECK(j2.empty());
    CHECK(l2.empty());
}

TEST_CASE("a route of a partition that is not being assigned is dropped") {
    StreamRoutes r;
    r.route("orders", 0, 0);
    r.route("orders", 5, 1); // the member does not own it
    StreamRoutes::Changes joining, leaving;
    r.take_routed([](const P &tp) { return tp.second != 5; }, joining, leaving);
    CHECK(joining.size() == 1);
    CHECK(joining[0] == names({{"orders", 0}}));
    CHECK(r.stream_of("orders", 5) == -1);
}

TEST_CASE("revocation takes each stream's partitions; the member's own are not named") {
    StreamRoutes r;
    r.route("orders", 0, 0);
    r.route("orders", 1, 1);
    r.route("clicks", 0, 1);
    StreamRoutes::Changes joining, leaving;
    r.take_routed(kAll, joining, leaving);

    auto revoked = r.take_revoked(names({{"orders", 1}, {"clicks", 0}, {"clicks", 7}}));
    REQUIRE(revoked.size() == 1);
    CHECK(revoked[1] == names({{"orders", 1}, {"clicks", 0}})); // in the order revoked
    CHECK(r.stream_of("orders", 1) == -1);
    CHECK(r.stream_of("orders", 0) == 0);
    CHECK(!r.empty());

    revoked = r.take_revoked(names({{"orders", 0}, {"orders", 1}}));
    REQUIRE(revoked.size() == 1);
    CHECK(revoked[0] == names({{"orders", 0}}));
    CHECK(r.empty());
}

TEST_CASE("a partition assigned again while still routed leaves its old stream first") {
    StreamRoutes r;
    r.route("orders", 0, 0);
    r.route("orders", 1, 0);
    StreamRoutes::Changes joining, leaving;
    r.take_routed(kAll, joining, leaving);

    r.route("orders", 0, 1); // moves
    r.route("orders", 1, 0); // same stream, anew
    StreamRoutes::Changes j2, l2;
    r.take_routed(kAll, j2, l2);
    REQUIRE(l2.size() == 1);
    CHECK(l2[0] == names({{"orders", 0}, {"orders", 1}}));
    CHECK(j2[0] == names({{"orders", 1}}));
    CHECK(j2[1] == names({{"orders", 0}}));
    CHECK(r.stream_of("orders", 0) == 1);
}

TEST_CASE("clear forgets routes and pending routes") {
    StreamRoutes r;
    r.route("orders", 0, 0);
    StreamRoutes::Changes joining, leaving;
    r.take_routed(kAll, joining, leaving);
    r.route("orders", 1, 1);
    r.clear();
    CHECK(r.empty());
    CHECK(r.stream_of("orders", 0) == -1);
    StreamRoutes::Changes j2, l2;
    r.take_routed(kAll, j2, l2);
    CHECK(j2.empty());
}

TEST_CASE("receiver threads look partitions up while the member's thread rebalances") {
    StreamRoutes r;
    std::atomic<bool> stop{false};
    std::atomic<int> wrong{0};
    std::thread reader([&] {
        while (!stop)
            for (int32_t p = 0; p < 8; ++p) {
                const int32_t s = r.stream_of("orders", p);
                if (s != -1 && s != p % 2) ++wrong;
            }
    });
    for (int round = 0; round < 2000; ++round) {
        for (int32_t p = 0; p < 8; ++p) r.route("orders", p, p % 2);
        StreamRoutes::Changes joining, leaving;
        r.take_routed(kAll, joining, leaving);
        std::vector<P> all;
        for (int32_t p = 0; p < 8; ++p) all.emplace_back("orders", p);
        r.take_revoked(all);
    }
    stop = true;
    reader.join();
    CHECK(wrong == 0);
    CHECK(r.empty());
}
