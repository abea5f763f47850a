// Receiver mode's one consumer per job: which receiver thread reads each assigned partition,
// and how a revocation waits for the receivers that hold the partitions.
#include "runtime/receiver/partition_spread.h"
#include "runtime/receiver/receiver_mailbox.h"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

using namespace streamsubmit::runtime;

namespace {
std::vector<TopicPartition> parts(const std::string &topic, std::initializer_list<int> ps) {
    std::vector<TopicPartition> out;
    for (int p : ps) out.push_back({topic, p});
    return out;
}
} // namespace

TEST_CASE("spread: a topic's partitions go round robin over its own threads") {
    const auto out = spread_partitions(parts("orders", {3, 0, 2, 1}), {{"orders", {0, 1}}}, {});
    CHECK(out.at(0) == parts("orders", {0, 2}));
    CHECK(out.at(1) == parts("orders", {1, 3}));
}

TEST_CASE("spread: orders:2,clicks:1 keeps each topic on its threads") {
    std::vector<TopicPartition> assigned = parts("orders", {0, 1, 2, 3});
    const auto clicks = parts("clicks", {0, 1});
    assigned.insert(assigned.end(), clicks.begin(), clicks.end());
    const auto out = spread_partitions(assigned, {{"orders", {0, 1}}, {"clicks", {2}}}, {});
    CHECK(out.at(0) == parts("orders", {0, 2}));
    CHECK(out.at(1) == parts("orders", {1, 3}));
    CHECK(out.at(2) == parts("clicks", {0, 1}));
}

TEST_CASE("spread: more threads than partitions leaves the extra threads idle") {
    const auto out = spread_partitions(parts("orders", {0, 1}), {{"orders", {0, 1, 2}}}, {});
    CHECK(out.size() == 2);
    CHECK(out.count(2) == 0);
}

TEST_CASE("spread: a cooperative rebalance adds partitions to the least busy threads") {
    // Thread 0 holds two partitions, thread 1 none: the two new ones both go to thread 1.
    const auto out = spread_partitions(parts("orders", {4, 5}), {{"orders", {0, 1}}}, {{0, 2}});
    CHECK(out.count(0) == 0);
    CHECK(out.at(1) == parts("orders", {4, 5}));
}

TEST_CASE("spread: a topic no thread was given goes to the least busy thread") {
    const auto out = spread_partitions(parts("other", {0}), {{"orders", {0, 1}}}, {{0, 1}});
    CHECK(out.at(1) == parts("other", {0}));
}

TEST_CASE("mailbox: a revocation waits until the receiver finished it, then holds it until released") {
    ReceiverMailbox box;
    box.post_assigned(parts("orders", {0, 1}));
    CHECK(box.pending());
    auto work = box.take();
    CHECK(work.assigned == parts("orders", {0, 1}));
    CHECK_FALSE(work.revoked);

    std::atomic<bool> released{false};
    std::thread receiver([&] {
        while (!box.pending()) std::this_thread::yield();
        auto w = box.take();
        REQUIRE(w.revoked);
        CHECK(*w.revoked == parts("orders", {1}));
        box.revoke_done(true); // blocks until release()
        released = true;
    });
    box.post_revoke(parts("orders", {1}));
    box.wait_revoked(); // returns once the receiver finished, before it polls again
    CHECK_FALSE(released);
    box.release();
    receiver.join();
    CHECK(released);
}

TEST_CASE("mailbox: an assignment revoked before the receiver took it is never read") {
    ReceiverMailbox box;
    box.post_assigned(parts("orders", {0, 1}));
    box.post_revoke(parts("orders", {1}));
    auto w = box.take();
    CHECK(w.assigned == parts("orders", {0}));
    REQUIRE(w.revoked);
    CHECK(*w.revoked == parts("orders", {1}));
    box.revoke_done(false); // a stopping receiver: not held
    box.wait_revoked();     // returns at once
}

TEST_CASE("mailbox: a receiver that exited never blocks the group thread") {
    ReceiverMailbox box;
    box.exited();
    box.post_revoke(parts("orders", {0}));
    box.wait_revoked(); // returns at once
    CHECK_FALSE(box.pending());
}
