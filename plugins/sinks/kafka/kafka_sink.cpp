#include "kafka_sink.h"

#include "dead_letter_topic.h"
#include "errors.h"
#include "librdkafka_log.h"
#include "record_format.h"
#include "tp_list.h"

#include <cstring>
#include <memory>
#include <string>

namespace streamsubmit::kafka {
namespace {

using sinks::set_error;

// The producer's fatal and fencing errors: another process with the same transactional.id
// (a restarted instance) or a newer group generation has taken over.
ss_status status_of(rd_kafka_error_t *e) {
    const rd_kafka_resp_err_t code = rd_kafka_error_code(e);
    if (code == RD_KAFKA_RESP_ERR__FENCED || code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
        code == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH || code == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID ||
        code == RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID || code == RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
        return SS_ERR_FENCED;
    // The member is still in the group, at a newer generation than the batch's (KIP-447).
    if (code == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION || code == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS)
        return SS_ERR_REBALANCED;
    return rd_kafka_error_is_retriable(e) ? SS_ERR_TIMEOUT : SS_ERR_BROKER;
}

// Why the group refused the offsets, for the message: the member's session ended (it was
// paused or cut off past session.timeout.ms: a zombie) or another process took its identity.
const char *fencing_reason(rd_kafka_resp_err_t code) {
    switch (code) {
    case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
        return "the consumer group no longer knows this member: its session expired (the process was paused or cut "
               "off longer than kafka.session.timeout.ms) and the group gave its partitions to other members";
    case RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID:
        return "the consumer group gave this member's kafka.group.instance.id to a newer member (another process "
               "with the same id, or this one rejoining after its session expired)";
    default:
        return nullptr;
    }
}

// The batch's group metadata (group mode), or the group id alone (one instance per
// group: nothing to fence by generation). NULL when the bytes do not parse.
rd_kafka_error_t *batch_group_metadata(const ss_batch &batch, const std::string &group_id,
                                       rd_kafka_consumer_group_metadata_t **md) {
    if (batch.group_metadata && batch.group_metadata_size > 0)
        return rd_kafka_consumer_group_metadata_read(md, batch.group_metadata, batch.group_metadata_size);
    *md = rd_kafka_consumer_group_metadata_new(group_id.c_str());
    return nullptr;
}

} // namespace

std::unique_ptr<KafkaSink> KafkaSink::create(KafkaSinkOptions options, sinks::SinkError &error) {
    std::unique_ptr<KafkaSink> self(new KafkaSink(std::move(options)));
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    auto set = [&](const std::string &k, const std::string &v) {
        if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) == RD_KAFKA_CONF_OK)
            return true;
        error = {SS_ERR_CONFIG, "kafka sink: " + k + ": " + errstr};
        return false;
    };
    bool ok = true;
    for (const auto &[k, v] : self->options_.producer_conf)
        ok = ok && set(k, v);
    ok = ok && set("enable.idempotence", "true") && set("client.id", "streamsubmit-sink");
    if (ok && self->options_.transactional)
        ok = set("transactional.id", self->options_.transactional_id);
    if (!ok) {
        rd_kafka_conf_destroy(conf);
        return nullptr;
    }
    rd_kafka_conf_set_opaque(conf, self.get());
    rd_kafka_conf_set_log_cb(conf, &KafkaSink::on_log);
    rd_kafka_conf_set_error_cb(conf, &KafkaSink::on_error);
    rd_kafka_conf_set_dr_msg_cb(conf, &KafkaSink::on_delivery);
    self->producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!self->producer_) {
        error = {SS_ERR_CONFIG, std::string("kafka sink: cannot create a producer: ") + errstr};
        return nullptr;
    }
    if (!self->options_.dead_letter_topic.empty())
        if (auto e = check_dead_letter_topic(self->producer_, self->options_.dead_letter_topic,
                                             self->options_.commit_timeout_ms)) {
            error = e;
            return nullptr;
        }
    // Fences every earlier producer with this transactional.id (a previous incarnation) and
    // aborts what it left open.
    if (self->options_.transactional)
        if (rd_kafka_error_t *e = rd_kafka_init_transactions(self->producer_, self->options_.commit_timeout_ms)) {
            ss_error err{};
            err.struct_size = sizeof err;
            error.status = self->txn_error(e, "init_transactions", &err);
            error.message = err.message;
            return nullptr;
        }
    return self;
}

KafkaSink::~KafkaSink() {
    if (!producer_)
        return;
    abort();
    rd_kafka_flush(producer_, 10'000);
    rd_kafka_destroy(producer_);
}

void KafkaSink::on_log(const rd_kafka_t *rk, int level, const char *facility, const char *message) {
    const auto *self = static_cast<const KafkaSink *>(rd_kafka_opaque(rk));
    const ss_host_api *host = self ? self->options_.host : nullptr;
    if (!host || !host->log) return;
    const kafka::LogLine line = kafka::librdkafka_log_line(level, facility, message, rd_kafka_name(rk));
    host->log(host->log_ctx, line.level, line.text.c_str());
}

void KafkaSink::on_error(rd_kafka_t *, int err, const char *reason, void *opaque) {
    const auto *self = static_cast<const KafkaSink *>(opaque);
    const ss_host_api *host = self ? self->options_.host : nullptr;
    if (!host || !host->log || err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        return;
    const std::string line = std::string("kafka sink: ") + rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)) +
                             ": " + (reason ? reason : "");
    host->log(host->log_ctx, err == RD_KAFKA_RESP_ERR__FATAL ? SS_LOG_ERROR : SS_LOG_WARN, line.c_str());
}

void KafkaSink::on_delivery(rd_kafka_t *, const rd_kafka_message_t *m, void *opaque) {
    if (!m->err)
        return;
    auto *self = static_cast<KafkaSink *>(opaque);
    std::lock_guard lock(self->reason_mu_);
    // The first failure names its topic: the dead letters' topic is not the sink's.
    if (self->delivery_error_.fetch_add(1) == 0) {
        self->delivery_reason_ = std::string(rd_kafka_topic_name(m->rkt)) + ": " + rd_kafka_err2str(m->err);
        self->delivery_code_ = m->err;
    }
}

ss_status KafkaSink::txn_error(rd_kafka_error_t *e, const char *what, ss_error *err) {
    const ss_status st = status_of(e);
    std::string message = std::string("kafka sink: ") + what + " failed: " + rd_kafka_error_string(e);
    if (const char *why = fencing_reason(rd_kafka_error_code(e)))
        message += std::string(" (fenced: ") + why + "; the batch's transaction is aborted, none of it is visible)";
    else if (st == SS_ERR_FENCED)
        message += " (fenced: another instance with transactional.id " + options_.transactional_id +
                   " took over; this instance's batch is not committed)";
    else if (st == SS_ERR_REBALANCED)
        message += " (the consumer group rebalanced while the batch ran; its transaction is aborted)";
    rd_kafka_error_destroy(e);
    return set_error(err, st, message);
}

ss_status KafkaSink::begin_once(ss_error *err) {
    if (!options_.transactional)
        return SS_OK;
    std::lock_guard lock(txn_mu_);
    if (in_txn_)
        return SS_OK;
    if (rd_kafka_error_t *e = rd_kafka_begin_transaction(producer_))
        return txn_error(e, "begin_transaction", err);
    in_txn_ = true;
    return SS_OK;
}

rd_kafka_resp_err_t KafkaSink::produce(const std::string &topic, const ss_record &r, const void *value,
                                        size_t value_len, bool mirror_headers) {
    rd_kafka_headers_t *headers = nullptr;
    if (mirror_headers && r.header_count > 0) {
        headers = rd_kafka_headers_new(r.header_count);
        for (size_t h = 0; h < r.header_count; ++h) {
            const ss_header &hd = *ss_header_at(&r, h);
            rd_kafka_header_add(headers, hd.name, -1, hd.value, hd.value ? static_cast<ssize_t>(hd.value_len) : 0);
        }
    }
    for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            producer_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(const_cast<void *>(r.key), r.key ? r.key_len : 0),
            RD_KAFKA_V_VALUE(const_cast<void *>(value), value ? value_len : 0),
            RD_KAFKA_V_TIMESTAMP(!mirror_headers || r.timestamp_ms < 0 ? 0 : r.timestamp_ms),
            RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) { // back-pressure: let deliveries drain
            rd_kafka_poll(producer_, 50);
            continue;
        }
        if (e && headers)
            rd_kafka_headers_destroy(headers);
        return e; // on success the headers belong to the message
    }
}

ss_status KafkaSink::process(const ss_batch &batch, const ss_record *records, size_t count, size_t stride,
                             ss_error *err) {
    if (ss_status st = begin_once(err); st != SS_OK)
        return st;
    std::string json;
    sinks::DecodedFields decoded;
    for (size_t i = 0; i < count; ++i) {
        const ss_record &r = *ss_const_at(ss_record, records, stride, i);
        const void *value = r.value;
        size_t value_len = r.value_len;
        if (options_.json) {
            json.clear();
            if (auto e = options_.decoding.decode(batch, r, decoded)) return sinks::report(e, err);
            if (decoded.rejected)
                continue;
            streamsubmit::sinks::append_json_record(json, r, &decoded);
            if (!json.empty() && json.back() == '\n')
                json.pop_back();
            value = json.data();
            value_len = json.size();
        }
        const rd_kafka_resp_err_t e = produce(options_.topic, r, value, value_len, !options_.json);
        if (!e)
            continue;
        const std::string why = "kafka sink: produce to " + options_.topic + " failed: " + rd_kafka_err2str(e);
        // Larger than message.max.bytes: this record can never be written; the host may take it
        // (stream.errors.tolerance=all) instead of failing every re-run of the batch.
        if (e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE && ss_host_can_reject(options_.host)) {
            const ss_status st = options_.host->reject(options_.host->reject_ctx, &batch, &r, SS_STAGE_SINK,
                                                       "RecordTooLarge", why.c_str(), err);
            if (st == SS_OK)
                continue;
            return st;
        }
        return set_error(err, SS_ERR_BROKER, why);
    }
    rd_kafka_poll(producer_, 0);
    return SS_OK;
}

ss_status KafkaSink::write_dead_letters(const ss_record *records, size_t count, size_t stride, const char *topic,
                                        ss_error *err) {
    if (ss_status st = begin_once(err); st != SS_OK)
        return st;
    const std::string name = topic;
    for (size_t i = 0; i < count; ++i) {
        const ss_record &r = *ss_const_at(ss_record, records, stride, i);
        if (rd_kafka_resp_err_t e = produce(name, r, r.value, r.value_len, true))
            return set_error(err, e == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ? SS_ERR_UNKNOWN_TOPIC : SS_ERR_BROKER,
                             "kafka sink: produce to the dead-letter topic " + name + " failed: " + rd_kafka_err2str(e));
    }
    if (options_.transactional) {
        std::lock_guard lock(txn_mu_);
        txn_dead_letters_ = name;
    }
    rd_kafka_poll(producer_, 0);
    return SS_OK;
}

// A transaction that a failed produce doomed (a topic the job may not write: AddPartitionsToTxn
// refused) answers send_offsets_to_transaction with a state error that does not say why;
// commit_transaction then returns the transaction's own error (committing nothing). When the
// refusal reached the transaction first, send_offsets_to_transaction returns it itself (CI saw
// both orders). Any other error (the group fencing the member) says why itself.
ss_status KafkaSink::doomed_txn_error(rd_kafka_error_t *e, const char *what, ss_error *err) {
    if (rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
        return failed_txn_error(e, err);
    if (rd_kafka_error_code(e) != RD_KAFKA_RESP_ERR__STATE || !rd_kafka_error_txn_requires_abort(e))
        return txn_error(e, what, err);
    rd_kafka_error_t *cause = rd_kafka_commit_transaction(producer_, options_.commit_timeout_ms);
    if (!cause)
        return txn_error(e, what, err);
    rd_kafka_error_destroy(e);
    return failed_txn_error(cause, err);
}

// commit_transaction's error. Refused for a topic: the batch's records and its dead letters
// went to two topics, and librdkafka's error does not say which one it was.
ss_status KafkaSink::failed_txn_error(rd_kafka_error_t *e, ss_error *err) {
    if (rd_kafka_error_code(e) != RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
        return txn_error(e, "commit_transaction", err);
    std::string topics = options_.topic;
    {
        std::lock_guard lock(txn_mu_);
        if (!txn_dead_letters_.empty())
            topics += " and the dead-letter topic " + txn_dead_letters_;
    }
    const std::string message = std::string("kafka sink: the batch's transaction failed: ") + rd_kafka_error_string(e) +
                                " (it wrote to " + topics + "; nothing of it is committed)";
    rd_kafka_error_destroy(e);
    ss_error_hint(err, ("ask the cluster's administrators for Write on " + topics + ", or write to other topics").c_str());
    return set_error(err, SS_ERR_AUTHENTICATION, message);
}

ss_status KafkaSink::commit(const ss_batch &batch, ss_error *err) {
    if (ss_status st = begin_once(err); st != SS_OK) // a batch without records still commits its offsets
        return st;
    if (!options_.transactional) {
        if (rd_kafka_resp_err_t e = rd_kafka_flush(producer_, options_.commit_timeout_ms))
            return set_error(err, SS_ERR_TIMEOUT, std::string("kafka sink: flush failed: ") + rd_kafka_err2str(e));
    } else if (!options_.group_id.empty()) {
        TpList offsets(static_cast<int>(batch.range_count));
        for (size_t i = 0; i < batch.range_count; ++i) {
            const ss_offset_range &r = *ss_batch_range_at(&batch, i);
            rd_kafka_topic_partition_list_add(offsets.get(), r.topic, r.partition)->offset = r.until;
        }
        rd_kafka_consumer_group_metadata_t *md = nullptr;
        if (rd_kafka_error_t *e = batch_group_metadata(batch, options_.group_id, &md))
            return txn_error(e, "reading the group member's metadata", err);
        rd_kafka_error_t *e = rd_kafka_send_offsets_to_transaction(producer_, offsets.get(), md,
                                                                  options_.commit_timeout_ms);
        rd_kafka_consumer_group_metadata_destroy(md);
        if (e)
            return doomed_txn_error(e, ("send_offsets_to_transaction of batch " + std::to_string(batch.id)).c_str(),
                                    err);
    }
    if (options_.transactional) {
        // commit_transaction flushes first; a failed delivery makes it fail.
        if (rd_kafka_error_t *e = rd_kafka_commit_transaction(producer_, options_.commit_timeout_ms))
            return failed_txn_error(e, err);
        std::lock_guard lock(txn_mu_);
        in_txn_ = false;
        txn_dead_letters_.clear();
    }
    if (int failed = delivery_error_.exchange(0); failed > 0) {
        std::lock_guard lock(reason_mu_);
        // A topic the job may see but not write (an ACL denying Write): no retry will help.
        const bool denied = delivery_code_ == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED;
        if (denied)
            ss_error_hint(err, "ask the cluster's administrators for Write on the topic it names, or write to "
                               "another topic");
        return set_error(err, denied ? SS_ERR_AUTHENTICATION : SS_ERR_BROKER,
                         "kafka sink: " + std::to_string(failed) + " records of batch " + std::to_string(batch.id) +
                             " were not delivered to " + delivery_reason_);
    }
    return SS_OK;
}

void KafkaSink::abort() {
    std::lock_guard lock(txn_mu_);
    if (!in_txn_)
        return;
    if (rd_kafka_error_t *e = rd_kafka_abort_transaction(producer_, options_.commit_timeout_ms))
        rd_kafka_error_destroy(e); // fenced or fatal: the broker aborts it when the next incarnation starts
    in_txn_ = false;
    txn_dead_letters_.clear();
    delivery_error_.store(0);
}

// Transactional with a group: the output and the group's offsets were committed together, so
// the group's committed offsets are where the sink's output ends (they win over a checkpoint
// that may not have recorded the last batch as complete).
ss_status KafkaSink::recover(ss_topic_partition *positions, size_t count, size_t stride, ss_error *err) {
    if (!options_.transactional || options_.group_id.empty() || count == 0)
        return SS_OK;
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    for (const auto &[k, v] : options_.producer_conf)
        if (k == "bootstrap.servers" || k.rfind("security.", 0) == 0 || k.rfind("sasl.", 0) == 0 ||
            k.rfind("ssl.", 0) == 0)
            rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr);
    rd_kafka_conf_set(conf, "group.id", options_.group_id.c_str(), errstr, sizeof errstr);
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_log_cb(conf, &KafkaSink::on_log);
    rd_kafka_t *consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!consumer)
        return set_error(err, SS_ERR_CONFIG, std::string("kafka sink: recover: ") + errstr);
    auto at = [&](size_t i) { return ss_at(ss_topic_partition, positions, stride, i); };
    TpList list(static_cast<int>(count));
    for (size_t i = 0; i < count; ++i)
        rd_kafka_topic_partition_list_add(list.get(), at(i)->topic, at(i)->partition)->offset = RD_KAFKA_OFFSET_INVALID;
    rd_kafka_resp_err_t e = rd_kafka_committed(consumer, list.get(), options_.commit_timeout_ms);
    rd_kafka_destroy_flags(consumer, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    if (e)
        return set_error(err, is_transport_error(e) ? SS_ERR_UNREACHABLE : SS_ERR_BROKER,
                         std::string("kafka sink: reading the group's committed offsets: ") + rd_kafka_err2str(e));
    for (size_t i = 0; i < count; ++i)
        if (list[static_cast<int>(i)].offset >= 0)
            at(i)->offset = list[static_cast<int>(i)].offset;
    return SS_OK;
}

} // namespace streamsubmit::kafka
