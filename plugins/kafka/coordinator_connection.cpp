#include "coordinator_connection.h"

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <unordered_map>

namespace streamsubmit::kafka {
namespace {

// librdkafka's name of the group's logical broker (rd_kafka_broker_add_logical), port 0.
constexpr const char *kCoordinatorName = "GroupCoordinator";

// librdkafka calls the interceptors from its own threads and the waits come from the host's:
// one table for the process, guarded by one mutex (a state changes a few times a run).
struct States {
    std::mutex mu;
    std::condition_variable changed;
    std::unordered_map<const rd_kafka_t *, bool> settled; // by handle
};

States &states() {
    static States *s = new States; // never destroyed: a handle may end during static destruction
    return *s;
}

// UP, UPDATE: a failure now refreshes metadata (rd_kafka_broker_fail). DOWN: the failure
// is being handled; the thread leaves DOWN (for TRY_CONNECT or INIT) only after it.
bool is_settled(const char *state) {
    return std::strcmp(state, "UP") != 0 && std::strcmp(state, "UPDATE") != 0 && std::strcmp(state, "DOWN") != 0;
}

rd_kafka_resp_err_t on_state_change(rd_kafka_t *rk, int32_t, const char *, const char *name, int port,
                                    const char *state, void *) noexcept {
    if (port != 0 || !name || std::strcmp(name, kCoordinatorName) != 0 || !state)
        return RD_KAFKA_RESP_ERR_NO_ERROR;
    try {
        States &s = states();
        {
            std::lock_guard lock(s.mu);
            const auto it = s.settled.find(rk); // gone once on_destroy ran: brokers still end after it
            if (it == s.settled.end())
                return RD_KAFKA_RESP_ERR_NO_ERROR;
            it->second = is_settled(state);
        }
        s.changed.notify_all();
    } catch (...) { // a lock that cannot be taken: the close waits for nothing
    }
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_resp_err_t on_destroy(rd_kafka_t *rk, void *) noexcept {
    States &s = states();
    std::lock_guard lock(s.mu);
    s.settled.erase(rk);
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_resp_err_t on_new(rd_kafka_t *rk, const rd_kafka_conf_t *, void *, char *, size_t) noexcept {
    try {
        States &s = states();
        std::lock_guard lock(s.mu);
        s.settled[rk] = true; // INIT; a handle at a destroyed one's address starts afresh
    } catch (...) { // out of memory: not followed, its close waits for nothing
        return RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    (void)rd_kafka_interceptor_add_on_broker_state_change(rk, "streamsubmit-coordinator", on_state_change, nullptr);
    (void)rd_kafka_interceptor_add_on_destroy(rk, "streamsubmit-coordinator", on_destroy, nullptr);
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

} // namespace

bool CoordinatorConnection::follow(rd_kafka_conf_t *conf) {
    return rd_kafka_conf_interceptor_add_on_new(conf, "streamsubmit-coordinator", on_new, nullptr) ==
           RD_KAFKA_RESP_ERR_NO_ERROR;
}

bool CoordinatorConnection::wait_until_settled(rd_kafka_t *rk, CloseDeadline deadline) {
    States &s = states();
    std::unique_lock lock(s.mu);
    return s.changed.wait_until(lock, deadline, [&] {
        const auto it = s.settled.find(rk);
        return it == s.settled.end() || it->second;
    });
}

} // namespace streamsubmit::kafka
