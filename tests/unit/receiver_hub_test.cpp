// ReceiverHub's --until latest watch: the driver's wait() ends when the last partition
// reaches its end offset, not at the driver's next periodic look.
#include "runtime/receiver/receiver_hub.h"

#include <doctest/doctest.h>

#include <thread>

using namespace streamsubmit::runtime;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

TopicPartition tp(int32_t p) { return {"t", p}; }

} // namespace

TEST_CASE("wait() returns once every assigned partition reached its end offset") {
    ReceiverHub hub(2, nullptr, 0, 0);
    hub.set_assignment(0, {tp(0)});
    hub.set_assignment(1, {tp(1)});
    hub.watch_end({{tp(0), 10}, {tp(1), 20}}, 1h);

    hub.note_received({{tp(0), 10}}); // one of two: the driver sleeps on
    const auto t0 = Clock::now();
    hub.wait(t0 + 30ms);
    CHECK(Clock::now() - t0 >= 30ms);
    CHECK_FALSE(hub.reached({{tp(0), 10}, {tp(1), 20}}, 1h));

    std::thread receiver([&] { hub.note_received({{tp(1), 20}}); }); // before or during the wait
    const auto t1 = Clock::now();
    hub.wait(t1 + 5s); // woken by the receiver, long before the deadline
    receiver.join();
    CHECK(Clock::now() - t1 < 4s);
    CHECK(hub.reached({{tp(0), 10}, {tp(1), 20}}, 1h));
}

TEST_CASE("after the end, a stopping driver waits for the receivers again") {
    ReceiverHub hub(1, nullptr, 0, 0);
    hub.set_assignment(0, {tp(0)});
    hub.watch_end({{tp(0), 5}}, 1h);
    hub.note_received({{tp(0), 5}});
    hub.begin_stop(); // the driver saw the end: now only the receivers' stop wakes it
    const auto t0 = Clock::now();
    hub.wait(t0 + 30ms);
    CHECK(Clock::now() - t0 >= 30ms); // no busy loop on the end already seen
    hub.receiver_stopped(0);
    const auto t1 = Clock::now();
    hub.wait(t1 + 5s);
    CHECK(Clock::now() - t1 < 4s);
}

TEST_CASE("without watch_end, received records do not wake the driver") {
    ReceiverHub hub(1, nullptr, 0, 0);
    hub.set_assignment(0, {tp(0)});
    hub.note_received({{tp(0), 5}});
    const auto t0 = Clock::now();
    hub.wait(t0 + 30ms);
    CHECK(Clock::now() - t0 >= 30ms);
}

TEST_CASE("a partition that starts at its end (an empty one, a caught-up group's) is done at once, once") {
    ReceiverHub hub(1, nullptr, 0, 0);
    hub.set_assignment(0, {tp(0), tp(1), tp(2)});
    hub.watch_end({{tp(0), 0}, {tp(1), 7}, {tp(2), 9}}, 1h);
    // Where they start, noted at the assignment: the empty one, one committed at its end, one behind.
    const auto ended = hub.note_received({{tp(0), 0}, {tp(1), 7}, {tp(2), 3}});
    CHECK(ended == std::vector<TopicPartition>{tp(0), tp(1)});
    CHECK_FALSE(hub.reached({{tp(0), 0}, {tp(1), 7}, {tp(2), 9}}, 1h));
    CHECK(hub.note_received({{tp(0), 0}}).empty()); // reached before: not again
    CHECK(hub.note_received({{tp(2), 9}}) == std::vector<TopicPartition>{tp(2)});
    CHECK(hub.reached({{tp(0), 0}, {tp(1), 7}, {tp(2), 9}}, 1h));
}

TEST_CASE("the group's commit takes every receiver's output offsets once, the highest per partition") {
    ReceiverHub hub(2, nullptr, 0, 0);
    auto block = [](int receiver, int32_t partition, int64_t first, int64_t last) {
        Block b;
        b.receiver = receiver;
        for (int64_t offset = first; offset <= last; ++offset) {
            ss_record r{};
            r.struct_size = sizeof(ss_record);
            r.topic = "t";
            r.partition = partition;
            r.offset = offset;
            r.header_stride = sizeof(ss_header);
            b.add(r);
        }
        return b;
    };
    hub.store(block(0, 0, 0, 9));
    hub.store(block(1, 1, 0, 4));
    hub.store(block(0, 0, 10, 19)); // a later block of the same partition: its end is what counts
    CHECK(hub.take_all_commits().empty()); // nothing output yet: nothing to commit
    CHECK(hub.output_done(hub.cut(), true));
    CHECK(hub.take_all_commits() == OffsetMap{{tp(0), 20}, {tp(1), 5}});
    CHECK(hub.take_all_commits().empty()); // taken once
    CHECK(hub.take_commits(0).empty());
}
