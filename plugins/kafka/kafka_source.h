// ss_source: one librdkafka consumer handle, its configuration, and interrupt().
#pragma once

#include "fetch_wake.h"
#include "join_wake.h"
#include "partition_streams.h"
#include "read_ahead.h"

#include <librdkafka/rdkafka.h>
#include <streamsubmit/plugin.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace streamsubmit::kafka {

class KafkaSource {
public:
    // Direct: assign()ed range reads. Receiver: subscribed, fetching. Member: subscribed to
    // coordinate a group-mode direct job, never fetching (assignments are paused).
    enum class Mode { Direct, Receiver, Member };

    // Validates the configuration and opens a direct-mode consumer. `params` holds at least
    // the fields up to conf_stride; host and close_timeout_ms may be absent (a smaller struct).
    static ss_status create(const ss_source_params *params, std::unique_ptr<KafkaSource> &out, ss_error *err);
    // Closes the handle within its close timeout and frees `src`; if librdkafka did not finish
    // in time, `src` is muted and left allocated for librdkafka's threads (a small leak that
    // keeps the process from hanging at exit).
    static void destroy(KafkaSource *src);
    ~KafkaSource();
    KafkaSource(const KafkaSource &) = delete;
    KafkaSource &operator=(const KafkaSource &) = delete;

    // Replaces the consumer handle with one configured for `mode` (receiver mode honours the
    // user's auto.offset.reset, direct mode always uses "error"; member mode defaults to
    // cooperative-sticky assignment).
    ss_status reopen(Mode mode, ss_error *err);
    Mode mode() const { return mode_; }

    rd_kafka_t *rk() const { return rk_; }
    // A commit waits this long for the coordinator's answer: as long as closing a handle may
    // take, so that a stop never waits behind a commit to a broker that stopped answering for
    // longer than it waits for each close.
    std::chrono::milliseconds commit_timeout() const { return close_timeout_; }
    rd_kafka_queue_t *queue() const { return queue_; }

    // Thread-safe: sets the flag and wakes a consumer blocked on queue().
    void interrupt();
    // Called when read_ranges/poll starts: an interrupt() made while no call was running is
    // dropped, so a host that interrupts every source after one failed does not fail the
    // next call of the sources that had already finished.
    void begin_blocking_call() { interrupted_.store(false, std::memory_order_relaxed); }
    // True once per interrupt(): the blocking call that sees it returns SS_ERR_INTERRUPTED.
    bool take_interrupt() { return interrupted_.exchange(false, std::memory_order_acq_rel); }
    // Receiver mode: a subscribed topic's partitions fail to fetch because the topic is gone
    // (librdkafka reports it through the error callback, inside poll). poll() returns it as
    // SS_ERR_UNKNOWN_TOPIC; the host decides how long to wait.
    void note_unknown_topic(std::string message);
    std::optional<std::string> take_unknown_topic();

    void log(ss_log_level level, std::string_view message) const;

    // The first TLS or authentication failure of any broker connection (recorded from
    // librdkafka's threads). Every call ends with it at once: the broker will refuse again.
    void note_security_failure(ss_status status, const std::string &message);
    // SS_OK, or that failure, copied into err.
    ss_status security_failure(ss_error *err) const;
    bool has_security_failure() const { return has_security_failure_.load(std::memory_order_acquire); }
    const std::string &sasl_mechanism() const { return sasl_mechanism_; }

    const std::string &bootstrap_servers() const { return bootstrap_; }
    bool has_user_group() const { return !user_group_.empty(); }

    // Scratch buffers reused by every read, so the hot path does not allocate.
    std::vector<rd_kafka_message_t *> msg_buf;
    std::vector<ss_record> rec_buf;
    std::vector<ss_header> header_buf; // the headers of rec_buf's records
    // Ends librdkafka's up-to-1-s fetch pause after a read empties the prefetch queue (below
    // 2.2.0; workarounds.h).
    FetchWake fetch_wake;
    // Direct mode: the assignment and messages one read_ranges call leaves to the next.
    ReadAhead read_ahead;
    // Ends librdkafka's up-to-1-s pauses in a group join (subscribed handles; every version).
    JoinWake join_wake;

    // The host's rebalance listener (called from a receiver's poll or a member's serve, on its thread).
    ss_rebalance_fn on_rebalance = nullptr;
    void *rebalance_ctx = nullptr;
    bool closing = false; // suppresses on_rebalance while the handle is being closed
    bool subscribed = false;
    bool ever_assigned = false; // a rebalance completed for this member (an empty assignment counts)
    // Receiver mode, inside on_rebalance(ASSIGN) only: where the host wants partitions to start
    // (start_assigned_at); applied to the assignment before it is made.
    // Atomic: other threads' pause and resume read them (inside_assign) while this one writes.
    std::atomic<bool> assigning{false};
    std::atomic<std::thread::id> assigning_thread; // the thread inside on_rebalance(ASSIGN): only its pauses wait
    // Copied: the host's topic strings live only during its start_assigned_at call, and they are
    // applied after the host's callback returned (a kept pointer made the offsets of a reused
    // string not match, so the partition started at the group's committed offset instead).
    struct StartAt {
        std::string topic;
        int32_t partition;
        int64_t offset;
    };
    std::vector<StartAt> start_at;
    // Streams (ABI 2.1, route_assigned/poll_stream): a consumer handle per host thread, which
    // fetches the partitions the host routed to it (partition_streams.h).
    PartitionStreams streams;
    // A stream's handle: this source's receiver configuration without group membership.
    // Null with `why` when librdkafka refuses it.
    rd_kafka_t *open_fetcher(std::string &why);
    struct DeferredPause {
        std::string topic;
        int32_t partition;
        bool pause; // else resume
    };
    std::vector<DeferredPause> deferred_pauses; // pause/resume inside ASSIGN: applied right after it
    // Held by the polling thread while it makes an assignment (the host's ASSIGN callback, then
    // the member's and the streams' assigns). Another thread's pause or resume waits for it:
    // made in between, it found the partitions routed to a stream but on no handle yet, and
    // went to the member's handle, which failed it (UNKNOWN_PARTITION) or paused the wrong one.
    std::mutex assign_mu;

    // librdkafka before 2.3.0 asserts in rd_kafka_destroy() for a cooperative-sticky member that
    // never completed a rebalance (confluentinc/librdkafka#4312, fixed by #4381; Debian 12 ships
    // 2.0.2; workarounds.h). Such a source is closed (it leaves the group) and abandoned, its
    // logging cut off, not destroyed.
    bool must_abandon() const;
    void abandon();

private:
    // What a handle is for: a source's own handle in its mode, or a stream's (Fetcher).
    enum class Role { Direct, Receiver, Member, Fetcher };

    KafkaSource() = default;
    ss_status open(Mode mode, ss_error *err);
    ss_status new_handle(Role role, rd_kafka_t *&out, ss_error *err);
    // Returns false when librdkafka was still closing at the deadline.
    bool close_handle();
    void mute();
    bool user_gave(std::string_view key) const;
    bool user_sets(std::string_view key, std::string_view value) const; // the user gave key=value
    // Leaving the group may take half of the close timeout; destroying the handle the rest.
    std::chrono::milliseconds leave_timeout() const { return close_timeout_ / 2; }

    std::vector<std::pair<std::string, std::string>> conf_;
    // How long closing one handle may take (ss_source_params.close_timeout_ms; the host
    // derives it from stream.stopTimeout). The default is for a host that does not say.
    std::chrono::milliseconds close_timeout_{10'000};
    std::string bootstrap_;
    std::string user_group_;
    std::string direct_group_;
    // Copied from params->host: an abandoned source outlives the host table, and abandon()
    // clears log_ while librdkafka threads may still log.
    std::atomic<ss_log_fn> log_{nullptr};
    void *log_ctx_ = nullptr;

    Mode mode_ = Mode::Direct;
    rd_kafka_t *rk_ = nullptr;
    rd_kafka_queue_t *queue_ = nullptr;
    std::mutex handle_mu_; // guards rk_/queue_ replacement against interrupt()
    std::atomic<bool> interrupted_{false};
    std::mutex unknown_topic_mu_;
    std::optional<std::string> unknown_topic_;

    std::string sasl_mechanism_ = "GSSAPI"; // librdkafka's default
    std::atomic<bool> has_security_failure_{false};
    mutable std::mutex security_mu_;
    ss_status security_status_ = SS_OK;
    std::string security_message_;
    std::atomic<bool> warned_auto_commit_{false}; // said once, by whichever stream's handle opens first
};

// "1.5 s": durations in the plugin's messages.
std::string seconds_text(std::chrono::milliseconds t);

} // namespace streamsubmit::kafka
