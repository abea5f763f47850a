// The mock cluster lives inside a producer handle (rd_kafka_mock_cluster_new). Note its
// retention: each mock partition keeps only a few MiB / ~100k records, older segments vanish.
#include "mock_cluster.h"

#include "errors.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

struct ss_cluster {
    rd_kafka_t *host = nullptr; // owns the mock cluster's threads
    rd_kafka_mock_cluster_t *mock = nullptr;
    std::string bootstraps;
    int brokers = 0;
    ss_log_fn log = nullptr;
    void *log_ctx = nullptr;
    std::atomic<int64_t> next_key{0};
};

namespace streamsubmit::kafka {

namespace {

void cluster_log(const ss_cluster *c, ss_log_level level, const std::string &msg) {
    if (c && c->log)
        c->log(c->log_ctx, level, msg.c_str());
}

void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    auto *c = static_cast<const ss_cluster *>(rd_kafka_opaque(rk));
    if (!c || level > 4) // the mock's chatter is not interesting below warnings
        return;
    cluster_log(c, SS_LOG_WARN, std::string("librdkafka ") + fac + ": " + buf);
}

struct DeliveryState {
    int64_t failed = 0;
    rd_kafka_resp_err_t first = RD_KAFKA_RESP_ERR_NO_ERROR;
};

void dr_cb(rd_kafka_t *, const rd_kafka_message_t *m, void *opaque) {
    if (!m->err)
        return;
    auto *d = static_cast<DeliveryState *>(opaque);
    if (!d->failed++)
        d->first = m->err;
}

template <class F>
ss_status guarded(const ss_cluster *c, ss_error *err, F &&f) {
    clear_error(err);
    if (!c || !c->mock)
        return set_error(err, SS_ERR_INTERNAL, "kafka mock cluster: NULL cluster");
    try {
        return f();
    } catch (const std::exception &e) {
        return set_error(err, SS_ERR_INTERNAL, std::string("kafka mock cluster: ") + e.what());
    } catch (...) {
        return set_error(err, SS_ERR_INTERNAL, "kafka mock cluster: unknown exception");
    }
}

ss_status check(ss_error *err, rd_kafka_resp_err_t e, const std::string &what) {
    if (!e)
        return SS_OK;
    return set_error(err, SS_ERR_BROKER, "kafka mock cluster: " + what + ": " + rd_kafka_err2str(e));
}

ss_status create(const ss_cluster_params *params, ss_cluster **out, ss_error *err) {
    clear_error(err);
    try {
        if (!params || !SS_HAS_FIELD(ss_cluster_params, params, broker_count)) {
            return set_error(err, SS_ERR_INTERNAL, "kafka mock cluster: ss_cluster_params is missing or lacks broker_count");
        }
        const int broker_count = params->broker_count;
        if (broker_count < 1) {
            return set_error(err, SS_ERR_CONFIG, "kafka mock cluster: broker count must be at least 1");
        }
        auto *c = new ss_cluster();
        c->brokers = broker_count;
        // A host that gives no log table just does not hear the cluster's warnings.
        const ss_host_api *host = SS_HAS_FIELD(ss_cluster_params, params, host) ? params->host : nullptr;
        if (host && SS_HAS_FIELD(ss_host_api, host, log_ctx)) {
            c->log = host->log;
            c->log_ctx = host->log_ctx;
        }
        char errstr[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_conf_set_opaque(conf, c);
        rd_kafka_conf_set_log_cb(conf, log_cb);
        c->host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
        if (!c->host) {
            rd_kafka_conf_destroy(conf);
            delete c;
            return set_error(err, SS_ERR_INTERNAL, std::string("kafka mock cluster: ") + errstr);
        }
        c->mock = rd_kafka_mock_cluster_new(c->host, broker_count);
        if (!c->mock) {
            rd_kafka_destroy(c->host);
            delete c;
            return set_error(err, SS_ERR_INTERNAL, "kafka mock cluster: rd_kafka_mock_cluster_new failed");
        }
        // librdkafka's mock brokers answer Metadata up to v2 only, which has no
        // AllowAutoTopicCreation field: they then create every topic a request names, even for a
        // consumer with allow.auto.create.topics=false (a misspelled topic became an empty one).
        // Their handler reads the field from v4 on; offering v4 makes clients send it.
        constexpr int16_t kMetadataApiKey = 3, kMetadataWithAutoCreateFlag = 4;
        if (rd_kafka_mock_set_apiversion(c->mock, kMetadataApiKey, 0, kMetadataWithAutoCreateFlag) !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
            rd_kafka_mock_cluster_destroy(c->mock);
            rd_kafka_destroy(c->host);
            delete c;
            return set_error(err, SS_ERR_INTERNAL, "kafka mock cluster: cannot offer Metadata v4");
        }
        c->bootstraps = rd_kafka_mock_cluster_bootstraps(c->mock);
        *out = c;
        return SS_OK;
    } catch (const std::exception &e) {
        return set_error(err, SS_ERR_INTERNAL, std::string("kafka mock cluster: ") + e.what());
    } catch (...) {
        return set_error(err, SS_ERR_INTERNAL, "kafka mock cluster: unknown exception");
    }
}

void destroy(ss_cluster *c) {
    if (!c)
        return;
    if (c->mock)
        rd_kafka_mock_cluster_destroy(c->mock);
    if (c->host)
        rd_kafka_destroy(c->host);
    delete c;
}

const char *bootstrap_servers(ss_cluster *c) { return c ? c->bootstraps.c_str() : ""; }

ss_status create_topic(ss_cluster *c, const char *topic, int partitions, ss_error *err) {
    return guarded(c, err, [&] {
        if (!topic || partitions < 1)
            return set_error(err, SS_ERR_CONFIG, "kafka mock cluster: create_topic needs a name and partitions >= 1");
        int rf = std::min(3, c->brokers);
        return check(err, rd_kafka_mock_topic_create(c->mock, topic, partitions, rf),
                     std::string("create topic '") + topic + "'");
    });
}

ss_status produce(ss_cluster *c, const char *topic, int64_t count, size_t value_bytes, ss_error *err) {
    return guarded(c, err, [&]() -> ss_status {
        if (!topic || count < 0)
            return set_error(err, SS_ERR_CONFIG, "kafka mock cluster: produce needs a topic and count >= 0");
        char errstr[512];
        DeliveryState delivery;
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        const std::pair<const char *, const char *> settings[] = {
            {"bootstrap.servers", c->bootstraps.c_str()},
            {"linger.ms", "5"},
            {"batch.num.messages", "100000"},
            {"batch.size", "4000000"},
            {"queue.buffering.max.messages", "1000000"},
            {"queue.buffering.max.kbytes", "1048576"},
        };
        for (const auto &[k, v] : settings)
            if (rd_kafka_conf_set(conf, k, v, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
                rd_kafka_conf_destroy(conf);
                return set_error(err, SS_ERR_INTERNAL, std::string("kafka mock cluster: producer ") + k + ": " + errstr);
            }
        rd_kafka_conf_set_opaque(conf, &delivery);
        rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
        rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
        if (!p) {
            rd_kafka_conf_destroy(conf);
            return set_error(err, SS_ERR_INTERNAL, std::string("kafka mock cluster: producer: ") + errstr);
        }
        std::vector<char> value(value_bytes, 'v');
        char key[32];
        ss_status st = SS_OK;
        for (int64_t i = 0; i < count && st == SS_OK; ++i) {
            int64_t n = c->next_key.fetch_add(1);
            int klen = std::snprintf(key, sizeof key, "key-%lld", static_cast<long long>(n));
            // Values start with the key number so tests can tell records apart.
            if (value_bytes > 0)
                std::memcpy(value.data(), key + 4, std::min(value_bytes, static_cast<size_t>(klen - 4)));
            for (;;) {
                rd_kafka_resp_err_t e = rd_kafka_producev(
                    p, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, static_cast<size_t>(klen)),
                    RD_KAFKA_V_VALUE(value.data(), value_bytes), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_END);
                if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                    rd_kafka_poll(p, 50);
                    continue;
                }
                if (e)
                    st = set_error(err, e == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ? SS_ERR_UNKNOWN_TOPIC : SS_ERR_BROKER,
                                   std::string("kafka mock cluster: produce to '") + topic +
                                       "' failed: " + rd_kafka_err2str(e));
                break;
            }
            if ((i & 1023) == 0)
                rd_kafka_poll(p, 0);
        }
        rd_kafka_resp_err_t fe = rd_kafka_flush(p, 60000);
        rd_kafka_poll(p, 0);
        rd_kafka_destroy(p);
        if (st != SS_OK)
            return st;
        if (fe)
            return set_error(err, SS_ERR_TIMEOUT, std::string("kafka mock cluster: flush of '") + topic +
                                                      "' did not complete within 60 s");
        if (delivery.failed)
            return set_error(err, SS_ERR_BROKER, "kafka mock cluster: " + std::to_string(delivery.failed) + " of " +
                                                     std::to_string(count) + " records to '" + topic +
                                                     "' failed: " + rd_kafka_err2str(delivery.first));
        return SS_OK;
    });
}

ss_status set_broker_up(ss_cluster *c, int32_t broker_id, int up, ss_error *err) {
    return guarded(c, err, [&] {
        rd_kafka_resp_err_t e = up ? rd_kafka_mock_broker_set_up(c->mock, broker_id)
                                   : rd_kafka_mock_broker_set_down(c->mock, broker_id);
        return check(err, e, "set broker " + std::to_string(broker_id) + (up ? " up" : " down"));
    });
}

ss_status set_leader(ss_cluster *c, const char *topic, int32_t partition, int32_t broker_id, ss_error *err) {
    return guarded(c, err, [&] {
        return check(err, rd_kafka_mock_partition_set_leader(c->mock, topic, partition, broker_id),
                     "set leader of " + topic_partition_name(topic, partition) + " to broker " +
                         std::to_string(broker_id));
    });
}

ss_status set_broker_rtt(ss_cluster *c, int32_t broker_id, int rtt_ms, ss_error *err) {
    return guarded(c, err, [&] {
        return check(err, rd_kafka_mock_broker_set_rtt(c->mock, broker_id, rtt_ms),
                     "set rtt of broker " + std::to_string(broker_id));
    });
}

ss_status push_request_errors(ss_cluster *c, int16_t api_key, size_t count, int error_code, ss_error *err) {
    return guarded(c, err, [&] {
        std::vector<rd_kafka_resp_err_t> errors(count, static_cast<rd_kafka_resp_err_t>(error_code));
        rd_kafka_mock_push_request_errors_array(c->mock, api_key, count, errors.data());
        return SS_OK;
    });
}

const ss_cluster_api kApi = {
    .struct_size = sizeof(ss_cluster_api),
    .create = create,
    .destroy = destroy,
    .bootstrap_servers = bootstrap_servers,
    .create_topic = create_topic,
    .produce = produce,
    .set_broker_up = set_broker_up,
    .set_leader = set_leader,
    .set_broker_rtt = set_broker_rtt,
    .push_request_errors = push_request_errors,
};

} // namespace

const ss_cluster_api *mock_cluster_api() { return &kApi; }

} // namespace streamsubmit::kafka
