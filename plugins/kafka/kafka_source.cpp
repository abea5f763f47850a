#include "kafka_source.h"

#include "bounded_close.h"
#include "coordinator_connection.h"
#include "librdkafka_log.h"
#include "errors.h"
#include "group_consumer.h"
#include "security_errors.h"
#include "workarounds.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iterator>
#include <string>
#include <string_view>
#include <unistd.h>

namespace streamsubmit::kafka {

namespace {

// Defaults applied unless the user gave the key. The prefetch queue of each consumer handle
// (one per direct-mode reader, one per receiver thread) is part of the memory budget the man
// page states: it stops fetching at queued.min.messages records (each costs its size plus
// about 300 B of librdkafka bookkeeping) or queued.max.messages.kbytes of payload, whichever
// comes first, plus one fetch response. 50000 / 4 MiB keep a receiver job at the defaults
// under 128 MiB, with the write-ahead log too, and read as fast as 16 or 64 MiB queues on
// loopback once the fetcher is woken (FetchWake): direct mode read 10 M x 100 B in 2.03-2.11 s
// with 16 MiB queues and in 2.00-2.01 s with 4 MiB (bench/RESULTS.md has the rows);
// fetch.wait.max.ms=100 (not 500) keeps an idle partition from delaying a batch.
constexpr std::pair<const char *, const char *> kDefaults[] = {
    {"enable.auto.commit", "false"},
    {"enable.auto.offset.store", "false"},
    {"enable.partition.eof", "true"},
    {"queued.min.messages", "50000"},
    {"queued.max.messages.kbytes", "4096"},
    {"fetch.wait.max.ms", "100"},
    {"client.id", "streamsubmit"},
};

// Defaults only some librdkafka versions need (workarounds.h), also unless the user gave the key.
// enable.sparse.connections=false: with sparse connections a new handle connects only when
// something asks librdkafka to, and a request made in the handle's first milliseconds can be
// suppressed and, before 2.10.0, retried only by its one-second timer (librdkafka#3574); every
// other start of a job waited that second (bench/RESULTS.md, start-up). Connecting to every
// bootstrap broker at once costs one connection per broker per handle.
constexpr std::pair<const char *, const char *> kDenseConnections{"enable.sparse.connections", "false"};
// fetch.queue.backoff.ms (2.2.0 and later, where FetchWake cannot end the pause): a partition
// whose prefetch queue was full looks again after this long instead of 1 s. A 50000-record queue
// drains in about 10 ms at the 5 M records/s direct mode reads on loopback, so the fetcher
// resumes about when a reader can have emptied it; while the queue stays full, each broker
// thread wakes at most 100 times a second. (0 would make the broker thread spin.)
constexpr std::pair<const char *, const char *> kShortFetchQueueBackoff{"fetch.queue.backoff.ms", "10"};
// reconnect.backoff.ms on a stream's handle (workarounds.h): its destroy waited for this backoff
// when a request was in flight. Reconnects after an outage still back off exponentially up to
// reconnect.backoff.max.ms (10 s), from 10 ms instead of 100.
constexpr std::pair<const char *, const char *> kShortFetcherReconnectBackoff{"reconnect.backoff.ms", "10"};

void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    auto *self = static_cast<const KafkaSource *>(rd_kafka_opaque(rk));
    if (!self)
        return;
    const LogLine line = librdkafka_log_line(level, fac, buf, rd_kafka_name(rk));
    self->log(line.level, line.text);
    if (auto failure = security_failure_in_log(fac ? fac : "", buf ? buf : "", self->sasl_mechanism()))
        const_cast<KafkaSource *>(self)->note_security_failure(failure->status, failure->message);
}

// OpenSSL has checked the chain and the host name already; this only remembers why it
// failed, so the job can say so instead of retrying.
int cert_verify_cb(rd_kafka_t *, const char *broker_name, int32_t, int *x509_error, int, const char *, size_t,
                   char *, size_t, void *opaque) {
    if (*x509_error == 0)
        return 1;
    auto *self = static_cast<KafkaSource *>(opaque);
    const SecurityFailure failure = certificate_failure(*x509_error, broker_name ? broker_name : "?");
    self->note_security_failure(failure.status, failure.message);
    return 0;
}

void error_cb(rd_kafka_t *, int err, const char *reason, void *opaque) {
    auto *self = static_cast<const KafkaSource *>(opaque);
    // Connection failures already reach the log through log_cb (facility FAIL).
    if (!self || err == RD_KAFKA_RESP_ERR__TRANSPORT)
        return;
    if (self->mode() == KafkaSource::Mode::Receiver && is_unknown_topic(static_cast<rd_kafka_resp_err_t>(err))) {
        const_cast<KafkaSource *>(self)->note_unknown_topic(reason ? reason : "a subscribed topic does not exist");
        return;
    }
    std::string msg = "kafka: ";
    msg += rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err));
    msg += ": ";
    msg += reason ? reason : "";
    self->log(err == RD_KAFKA_RESP_ERR__FATAL ? SS_LOG_ERROR : SS_LOG_WARN, msg);
}

std::atomic<unsigned> g_instance{0};

} // namespace

std::string seconds_text(std::chrono::milliseconds t) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g s", static_cast<double>(t.count()) / 1000);
    return buf;
}

ss_status KafkaSource::create(const ss_source_params *params, std::unique_ptr<KafkaSource> &out, ss_error *err) {
    if (!params || !SS_HAS_FIELD(ss_source_params, params, conf_stride)) {
        return set_error(err, SS_ERR_INTERNAL, "kafka: ss_source_params is missing or lacks the configuration");
    }
    if (params->conf_count > 0 && (!params->conf || params->conf_stride < sizeof(ss_kv))) {
        return set_error(err, SS_ERR_INTERNAL, "kafka: ss_source_params.conf is NULL or its stride is smaller than ss_kv");
    }
    std::unique_ptr<KafkaSource> self(new KafkaSource());
    const ss_host_api *host = SS_HAS_FIELD(ss_source_params, params, host) ? params->host : nullptr;
    if (host && SS_HAS_FIELD(ss_host_api, host, log_ctx)) {
        self->log_ = host->log;
        self->log_ctx_ = host->log_ctx;
    }
    // Zero is what a host that leaves the field alone sends: it gets the default too.
    if (SS_HAS_FIELD(ss_source_params, params, close_timeout_ms) && params->close_timeout_ms > 0)
        self->close_timeout_ = std::chrono::milliseconds(params->close_timeout_ms);
    for (size_t i = 0; i < params->conf_count; ++i) {
        const ss_kv &kv = *ss_const_at(ss_kv, params->conf, params->conf_stride, i);
        if (!kv.key || !kv.value) {
            return set_error(err, SS_ERR_CONFIG, "kafka: configuration entry without key or value");
        }
        std::string_view key = kv.key;
        self->conf_.emplace_back(kv.key, kv.value);
        if (key == "bootstrap.servers" || key == "metadata.broker.list")
            self->bootstrap_ = kv.value;
        else if (key == "group.id")
            self->user_group_ = kv.value;
        else if (key == "sasl.mechanism" || key == "sasl.mechanisms")
            self->sasl_mechanism_ = kv.value;
    }
    if (self->bootstrap_.empty())
        self->bootstrap_ = "(no kafka.bootstrap.servers)";
    self->direct_group_ = "streamsubmit-direct-" + std::to_string(getpid()) + "-" + std::to_string(++g_instance);
    self->streams.set_opener([raw = self.get()](std::string &why) { return raw->open_fetcher(why); });
    if (const ss_status st = self->open(Mode::Direct, err); st != SS_OK)
        return st;
    out = std::move(self);
    return SS_OK;
}

KafkaSource::~KafkaSource() { close_handle(); }

void KafkaSource::destroy(KafkaSource *src) {
    if (!src)
        return;
    if (src->close_handle()) {
        delete src;
        return;
    }
    src->log(SS_LOG_WARN, "kafka: the consumer did not close within " + seconds_text(src->close_timeout_) +
                              " (brokers at " + src->bootstrap_servers() + "); leaving it behind");
    src->mute();
}

void KafkaSource::note_security_failure(ss_status status, const std::string &message) {
    std::lock_guard lock(security_mu_);
    if (security_status_ != SS_OK)
        return;
    security_status_ = status;
    security_message_ = message;
    has_security_failure_.store(true, std::memory_order_release);
    interrupt(); // a read or poll waiting for records returns now
}

ss_status KafkaSource::security_failure(ss_error *err) const {
    if (!has_security_failure())
        return SS_OK;
    std::lock_guard lock(security_mu_);
    return set_error(err, security_status_, security_message_ + " (brokers at " + bootstrap_ + ")");
}

void KafkaSource::note_unknown_topic(std::string message) {
    std::lock_guard lock(unknown_topic_mu_);
    unknown_topic_ = std::move(message);
}

std::optional<std::string> KafkaSource::take_unknown_topic() {
    std::lock_guard lock(unknown_topic_mu_);
    return std::exchange(unknown_topic_, std::nullopt);
}

void KafkaSource::mute() { log_.store(nullptr, std::memory_order_release); }

bool KafkaSource::user_gave(std::string_view key) const {
    for (const auto &[k, v] : conf_)
        if (k == key)
            return true;
    return false;
}

bool KafkaSource::user_sets(std::string_view key, std::string_view value) const {
    for (const auto &[k, v] : conf_)
        if (k == key)
            return v == value;
    return false;
}

void KafkaSource::log(ss_log_level level, std::string_view message) const {
    const ss_log_fn fn = log_.load(std::memory_order_acquire);
    if (!fn)
        return;
    std::string m(message);
    fn(log_ctx_, level, m.c_str());
}

ss_status KafkaSource::new_handle(Role role, rd_kafka_t *&out, ss_error *err) {
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    auto fail = [&](ss_status st, const std::string &msg) {
        rd_kafka_conf_destroy(conf);
        return set_error(err, st, msg);
    };
    // A stream's handle is a receiver's, without the group membership.
    const bool fetcher = role == Role::Fetcher;
    const Mode mode = role == Role::Direct ? Mode::Direct : role == Role::Member ? Mode::Member : Mode::Receiver;
    std::vector<std::pair<const char *, const char *>> defaults(std::begin(kDefaults), std::end(kDefaults));
    if (workarounds().dense_connections)
        defaults.push_back(kDenseConnections);
    if (workarounds().short_fetch_queue_backoff)
        defaults.push_back(kShortFetchQueueBackoff);
    if (fetcher && workarounds().short_fetcher_reconnect_backoff)
        defaults.push_back(kShortFetcherReconnectBackoff);
    for (const auto &[k, v] : defaults)
        if (!user_gave(k) && rd_kafka_conf_set(conf, k, v, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
            return fail(SS_ERR_INTERNAL, std::string("kafka: default ") + k + ": " + errstr);
    for (const auto &[k, v] : conf_) {
        // A direct-mode reader or a stream's handle never joins the group: only the member
        // takes its static identity.
        if ((mode == Mode::Direct || fetcher) && k == "group.instance.id")
            continue;
        if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
            return fail(SS_ERR_CONFIG, "kafka." + k + ": " + errstr);
    }
    // Reading never creates a topic, whatever the brokers' auto.create.topics.enable says: a
    // misspelled topic must fail the job at start, not become an empty topic it reads forever.
    if (!fetcher) // said once, for the source's own handle
        for (const auto &[k, v] : conf_)
            if (k == "allow.auto.create.topics" && v != "false")
                log(SS_LOG_WARN, "kafka.allow.auto.create.topics=" + v + " is ignored: streamsubmit never creates a "
                                 "topic by reading it; create it with your Kafka tools");
    if (rd_kafka_conf_set(conf, "allow.auto.create.topics", "false", errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
        return fail(SS_ERR_INTERNAL, std::string("kafka: allow.auto.create.topics: ") + errstr);
    // A member only learns its partitions: cooperative-sticky moves only the partitions that
    // must move, so the other instances keep reading through a rebalance.
    if (mode == Mode::Member && !user_gave("partition.assignment.strategy"))
        rd_kafka_conf_set(conf, "partition.assignment.strategy", "cooperative-sticky", errstr, sizeof errstr);
    // A stream's handle is outside the group's generation: only the member commits (the host's
    // commit_offsets), never this handle on its own.
    if (fetcher) {
        if (user_sets("enable.auto.commit", "true") && !warned_auto_commit_.exchange(true))
            log(SS_LOG_WARN, "kafka.enable.auto.commit=true is ignored in receiver mode: the receiver threads' "
                             "consumers never commit, and the group's member commits each block's offsets once it "
                             "is output (with the write-ahead log: once it is on disk); drop the key");
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof errstr);
        rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", errstr, sizeof errstr);
    }

    // Direct mode reads planned ranges: a lost offset must be reported, never skipped.
    // Receiver mode starts a new group where the host says (streamsubmit always passes the
    // effective kafka.auto.offset.reset: the table's receiver-mode default, earliest, unless the
    // user set it); a host that says nothing gets the same default.
    const char *reset = mode == Mode::Direct   ? "error"
                        : mode == Mode::Member ? "latest" // never fetches: the reset is never used
                                               : (user_gave("auto.offset.reset") ? nullptr : "earliest");
    if (reset && rd_kafka_conf_set(conf, "auto.offset.reset", reset, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
        return fail(SS_ERR_INTERNAL, std::string("kafka: auto.offset.reset: ") + errstr);
    // Direct mode completes ranges that end in an offset gap (transaction markers, compaction)
    // by the PARTITION_EOF position, so it needs the events whatever the user said.
    if (mode == Mode::Direct) {
        for (const auto &[k, v] : conf_)
            if (k == "enable.partition.eof" && v != "true")
                log(SS_LOG_WARN, "kafka.enable.partition.eof=" + v + " is ignored in direct mode: reading offset "
                                 "ranges needs end-of-partition events");
        rd_kafka_conf_set(conf, "enable.partition.eof", "true", errstr, sizeof errstr);
    } else if (!user_gave("enable.partition.eof")) {
        rd_kafka_conf_set(conf, "enable.partition.eof", "false", errstr, sizeof errstr); // poll ignores them
    }
    // librdkafka has no consumer queue and refuses assign() without a group ("Local: Unknown
    // group"; so from 2.0.2 to 2.15.0); direct mode without kafka.group.id uses a private name
    // that never joins a group and never commits. A stream's handle has the user's group
    // (receiver mode needs one): assign() at an INVALID offset asks for its committed offset.
    if (user_group_.empty()) {
        if (mode != Mode::Direct)
            return fail(SS_ERR_CONFIG, "kafka.group.id: joining a group (receiver mode, or "
                                       "stream.kafka.coordination=group) needs a consumer group; set kafka.group.id");
        rd_kafka_conf_set(conf, "group.id", direct_group_.c_str(), errstr, sizeof errstr);
    }

    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_log_cb(conf, log_cb);
    rd_kafka_conf_set_error_cb(conf, error_cb);
    // Fails only when librdkafka was built without TLS; then no certificate is ever checked.
    (void)rd_kafka_conf_set_ssl_cert_verify_cb(conf, cert_verify_cb);
    if (mode != Mode::Direct && !fetcher)
        rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);

    // Its close waits for the coordinator connection to settle (bounded_close.cpp, librdkafka#3608).
    if (!CoordinatorConnection::follow(conf))
        log(SS_LOG_DEBUG, "kafka: the coordinator connection's state cannot be followed; closing does not wait for it");
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!rk)
        return fail(SS_ERR_CONFIG, std::string("kafka: cannot create a consumer: ") + errstr);
    // conf is owned by rk from here on.
    rd_kafka_poll_set_consumer(rk); // error events and callbacks are served by the consumer queue
    out = rk;
    return SS_OK;
}

rd_kafka_t *KafkaSource::open_fetcher(std::string &why) {
    ss_error e{};
    e.struct_size = sizeof e;
    rd_kafka_t *rk = nullptr;
    if (new_handle(Role::Fetcher, rk, &e) != SS_OK)
        why = e.message;
    return rk;
}

ss_status KafkaSource::open(Mode mode, ss_error *err) {
    const Role role = mode == Mode::Direct ? Role::Direct : mode == Mode::Member ? Role::Member : Role::Receiver;
    rd_kafka_t *rk = nullptr;
    if (const ss_status st = new_handle(role, rk, err); st != SS_OK)
        return st;
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
    if (!q) {
        rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
        return set_error(err, SS_ERR_INTERNAL, "kafka: consumer has no queue");
    }
    fetch_wake.configure(rk);
    read_ahead.configure(rk);
    std::lock_guard lock(handle_mu_);
    rk_ = rk;
    queue_ = q;
    mode_ = mode;
    return SS_OK;
}

bool KafkaSource::close_handle() {
    rd_kafka_t *rk;
    rd_kafka_queue_t *q;
    {
        std::lock_guard lock(handle_mu_);
        rk = rk_;
        q = queue_;
        rk_ = nullptr;
        queue_ = nullptr;
    }
    if (!rk)
        return true;
    closing = true;
    read_ahead.clear(); // its messages hold references into the handle
    fetch_wake.stop();  // its thread makes requests on the handle
    const auto start = std::chrono::steady_clock::now();
    if (subscribed) {
        // Leave the group now rather than after session.timeout.ms.
        if (!close_consumer_until(rk, start + leave_timeout()))
            log(SS_LOG_WARN, "kafka: leaving the consumer group did not finish within " + seconds_text(leave_timeout()) +
                                 "; the group notices after its session timeout");
        subscribed = false;
    }
    if (q)
        rd_kafka_queue_destroy(q);
    // The streams' handles never joined the group: nothing to leave, only threads to end.
    const bool streams_destroyed = streams.clear(start + close_timeout_);
    const bool destroyed = destroy_until(rk, start + close_timeout_);
    closing = false;
    return destroyed && streams_destroyed;
}

bool KafkaSource::must_abandon() const {
    return rk_ && subscribed && !ever_assigned && workarounds().abandon_unassigned_member;
}

void KafkaSource::abandon() {
    closing = true;
    (void)close_consumer_until(rk_, std::chrono::steady_clock::now() + leave_timeout()); // bounded, like every close
    subscribed = false;
    (void)streams.clear(std::chrono::steady_clock::now() + leave_timeout()); // never subscribed: destroyed
    // The handle's threads live on until the process exits: nothing may reach the host.
    rd_kafka_set_log_level(rk_, 0);
    log_.store(nullptr, std::memory_order_release);
}

ss_status KafkaSource::reopen(Mode mode, ss_error *err) {
    close_handle(); // a handle left closing keeps calling back into this object, which lives on
    return open(mode, err);
}

void KafkaSource::interrupt() {
    interrupted_.store(true, std::memory_order_release);
    std::lock_guard lock(handle_mu_);
    if (queue_)
        rd_kafka_queue_yield(queue_);
    streams.interrupt_all();
}

} // namespace streamsubmit::kafka
