// Keeps librdkafka's group state machine moving while a receiver waits for partitions.
// (Receivers only: group-mode members poll as before, see the notes of issue 12.)
//
// librdkafka 2.0.2 (Debian 12) advances a consumer group's join only when its main thread
// wakes up: on an operation queued to it, or on its 1 s timer. After a failed step (the
// usual one when several members join at once: "SyncGroup error: rebalance in progress"),
// the next JoinGroup may be sent 1 s after the previous one, but is sent only at the next
// wake-up after that, so the first assignment came 2 s after subscribe in about half of
// the starts of a two-receiver job (debug trace: rejoin at +2043 ms; at +101 ms in the others).
// Asking the handle for its assignment is such an operation, answered by the main thread,
// which then also serves the group; a member without partitions asks every kSlice. One left
// without partitions for good (more receivers than partitions) keeps asking: 20 calls a second
// answered inside the process, no request to a broker. No later release changed this for the
// classic group protocol (workarounds.h), so it runs whatever librdkafka is loaded.
#pragma once

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>

namespace streamsubmit::kafka {

class JoinWake {
public:
    static constexpr std::chrono::milliseconds kSlice{50};

    // From the rebalance callback: the member's partitions after the event.
    void assigned(int partitions) { waiting_ = partitions == 0; }
    void revoked_all() { waiting_ = true; }

    // How long the next blocking consume call may wait, of the `left` its caller has.
    std::chrono::milliseconds slice(std::chrono::milliseconds left) const {
        return waiting_ ? std::min(left, kSlice) : left;
    }
    // After a consume call that returned nothing: while the member waits for partitions,
    // wakes librdkafka's main thread by asking for the assignment (and learns it).
    void after_empty_consume(rd_kafka_t *rk);

private:
    bool waiting_ = true; // a new member has no partitions until its first rebalance
};

} // namespace streamsubmit::kafka
