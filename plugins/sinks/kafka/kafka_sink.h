// --sink kafka: every record of a batch produced to sink.kafka.topic (mirror: key, value,
// headers; or json: the files sink's JSON envelope naming the input topic, partition and
// offset). Transactional (sink.kafka.transactional=true): one transaction per batch that also
// commits the batch's until offsets to the consumer group (send_offsets_to_transaction), so a
// read_committed consumer sees each input record once; recover() starts where the last
// committed transaction ended. Otherwise an idempotent producer: at-least-once.
#pragma once

#include "sink_support.h"

#include <librdkafka/rdkafka.h>
#include <streamsubmit/plugin.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace streamsubmit::kafka {

struct KafkaSinkOptions {
    std::string topic;
    bool json = false;
    bool transactional = false;
    std::string transactional_id;
    std::string group_id; // kafka.group.id, for send_offsets_to_transaction and recover
    std::vector<std::pair<std::string, std::string>> producer_conf; // bootstrap.servers, transaction.timeout.ms
    int commit_timeout_ms = 60'000;
    sinks::RecordDecoding decoding; // stream.key.format / stream.value.format, with format json
    std::string dead_letter_topic;      // checked at create; written by write_dead_letters
    const ss_host_api *host = nullptr;  // its reject call takes the records the brokers would refuse as too large
};

class KafkaSink {
public:
    static std::unique_ptr<KafkaSink> create(KafkaSinkOptions options, sinks::SinkError &error);
    ~KafkaSink();

    ss_status process(const ss_batch &batch, const ss_record *records, size_t count, size_t stride, ss_error *err);
    // The batch's dead letters, as they are (mirror), to `topic`: in the batch's transaction
    // when transactional, else flushed by commit.
    ss_status write_dead_letters(const ss_record *records, size_t count, size_t stride, const char *topic,
                                 ss_error *err);
    ss_status commit(const ss_batch &batch, ss_error *err);
    void abort();
    ss_status recover(ss_topic_partition *positions, size_t count, size_t stride, ss_error *err);

private:
    explicit KafkaSink(KafkaSinkOptions options) : options_(std::move(options)) {}
    ss_status begin_once(ss_error *err);
    // One record to `topic`; RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE and other refusals are returned.
    rd_kafka_resp_err_t produce(const std::string &topic, const ss_record &r, const void *value, size_t value_len,
                                bool mirror_headers);
    ss_status txn_error(rd_kafka_error_t *e, const char *what, ss_error *err);
    ss_status doomed_txn_error(rd_kafka_error_t *e, const char *what, ss_error *err);
    ss_status failed_txn_error(rd_kafka_error_t *e, ss_error *err);
    static void on_delivery(rd_kafka_t *, const rd_kafka_message_t *m, void *opaque);
    // librdkafka's lines through the host's log (librdkafka_log.h), as the connector's: its
    // default would print them raw on stderr. Any librdkafka thread; the handle's opaque is the sink.
    static void on_log(const rd_kafka_t *rk, int level, const char *facility, const char *message);
    // librdkafka's error events as warnings in the host's log, except an unreachable broker,
    // which the FAIL lines above already say (and the job's own error when it matters).
    static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque);

    KafkaSinkOptions options_;
    rd_kafka_t *producer_ = nullptr;
    std::mutex txn_mu_;
    bool in_txn_ = false;
    std::string txn_dead_letters_; // the dead-letter topic the open transaction wrote to
    std::atomic<int> delivery_error_{0};
    std::string delivery_reason_; // "TOPIC: why" of the first failed delivery
    rd_kafka_resp_err_t delivery_code_ = RD_KAFKA_RESP_ERR_NO_ERROR;
    std::mutex reason_mu_;
};

} // namespace streamsubmit::kafka
