#include "bounded_close.h"

#include "coordinator_connection.h"
#include "rebalance_protocol.h"

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace streamsubmit::kafka {
namespace {

using Clock = std::chrono::steady_clock;

int ms_left(CloseDeadline deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 100));
}

// A revocation during close: give the partitions up (the host has nothing left to commit).
// The group handle may already be terminating, so the protocol can be Unknown here.
void serve_close_event(rd_kafka_t *rk, rd_kafka_event_t *ev) {
    if (rd_kafka_event_type(ev) != RD_KAFKA_EVENT_REBALANCE) return;
    (void)unassign_partitions(rk, rd_kafka_event_topic_partition_list(ev), rebalance_protocol(rk));
}

// The longest a close waits for librdkafka to finish with a coordinator connection it just
// closed; it needs a scheduling slot for one of its threads, not a round trip.
constexpr auto kCoordinatorSettleLimit = std::chrono::seconds(2);

// librdkafka can abort in rd_kafka_destroy() ("rd_kafka_broker_destroy_final: Assertion
// `thrd_is_current(rkb->rkb_thread)' failed"; librdkafka#3608, still open; seen once in our CI,
// a direct-mode job under ASan). Every handle here has a group (direct mode a private one), so a
// coordinator connection. When the group ends, that connection is closed, and its thread, if
// it was up, asks another broker for metadata while holding a reference to that broker. Inside
// rd_kafka_destroy() the group ends just before the brokers are told to end: the request can
// take its reference after the broker's thread decided to exit, and then drop the broker's
// last reference on the wrong thread. So the group is ended first (close_consumer_until) and
// the close waits until the coordinator's thread is past that request (the -v debug log of
// kafka.debug=cgrp,broker,metadata shows the order; test_direct_mock checks it).
void end_group_first(rd_kafka_t *rk, CloseDeadline deadline) noexcept {
    try {
        if (rd_kafka_type(rk) != RD_KAFKA_CONSUMER)
            return;
        if (!rd_kafka_consumer_closed(rk) && !close_consumer_until(rk, deadline))
            return; // the group did not end in time: the destroy below ends it
        (void)CoordinatorConnection::wait_until_settled(rk, std::min(deadline, Clock::now() + kCoordinatorSettleLimit));
    } catch (...) { // out of memory serving a revocation: the destroy below still ends the group
    }
}

} // namespace

bool close_consumer_until(rd_kafka_t *rk, CloseDeadline deadline) {
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    if (rd_kafka_error_t *e = rd_kafka_consumer_close_queue(rk, q)) {
        rd_kafka_error_destroy(e);
        rd_kafka_queue_destroy(q);
        return false;
    }
    while (!rd_kafka_consumer_closed(rk) && Clock::now() < deadline) {
        if (rd_kafka_event_t *ev = rd_kafka_queue_poll(q, ms_left(deadline))) {
            serve_close_event(rk, ev);
            rd_kafka_event_destroy(ev);
        }
    }
    const bool closed = rd_kafka_consumer_closed(rk);
    rd_kafka_queue_destroy(q);
    return closed;
}

bool destroy_all_until(const std::vector<rd_kafka_t *> &handles, CloseDeadline deadline) {
    if (handles.empty()) return true;
    struct Done {
        std::mutex mu;
        std::condition_variable cv;
        size_t left = 0;
    };
    auto state = std::make_shared<Done>();
    state->left = handles.size();
    std::vector<std::thread> helpers;
    helpers.reserve(handles.size());
    for (rd_kafka_t *rk : handles)
        helpers.emplace_back([rk, state, deadline] {
            end_group_first(rk, deadline);
            rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
            try {
                std::lock_guard lock(state->mu);
                --state->left;
                state->cv.notify_all();
            } catch (...) { // a thread entry lets nothing escape; the waiter then sees the deadline
            }
        });
    std::unique_lock lock(state->mu);
    const bool all = state->cv.wait_until(lock, deadline, [&] { return state->left == 0; });
    lock.unlock();
    for (auto &h : helpers) {
        if (all)
            h.join();
        else
            h.detach(); // one is still destroying its handle: none is waited for any more
    }
    return all;
}

bool destroy_until(rd_kafka_t *rk, CloseDeadline deadline) { return destroy_all_until({rk}, deadline); }

} // namespace streamsubmit::kafka
