// The state of each consumer handle's connection to its group coordinator (librdkafka's
// logical "GroupCoordinator" broker), followed through librdkafka's on_broker_state_change
// interceptor, so that a close can wait out librdkafka's own reaction to that connection's
// end before it destroys the handle (why: bounded_close.cpp).
#pragma once

#include "bounded_close.h"

#include <librdkafka/rdkafka.h>

namespace streamsubmit::kafka {

class CoordinatorConnection {
public:
    // Makes every handle created from `conf` report its coordinator connection's state.
    // Call before rd_kafka_new(); false when librdkafka refused the interceptor.
    static bool follow(rd_kafka_conf_t *conf);

    // Waits until rk's coordinator connection is neither up nor in the middle of going down,
    // or until `deadline`. A connection that goes down while up makes librdkafka's connection
    // thread ask another broker for metadata, holding a reference to it; this returns once
    // that thread is past it. True at once for a handle not followed. Any thread.
    static bool wait_until_settled(rd_kafka_t *rk, CloseDeadline deadline);
};

} // namespace streamsubmit::kafka
