// The ceiling for a librdkafka consumer on this machine: assign every partition of one topic at
// its low watermark and batch-consume the consumer queue until each partition reached the high
// watermark seen at start. No framework, no callbacks, no copies: count records and bytes.
//
//   bench_raw_consumer -b HOST:PORT -t TOPIC [-X key=value ...] [--plugin-defaults]
//
// --plugin-defaults applies the settings the streamsubmit Kafka plugin applies by default
// (plugins/kafka/kafka_source.cpp), so the comparison measures the plugin, not the settings.
// Prints one JSON line: {"records":N,"bytes":N,"seconds":S,"first_record_ms":MS}.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string &msg) {
    std::fprintf(stderr, "bench_raw_consumer: %s\n", msg.c_str());
    std::exit(1);
}

void set(rd_kafka_conf_t *conf, const std::string &k, const std::string &v) {
    char errstr[512];
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
        die(k + ": " + errstr);
}

} // namespace

int main(int argc, char **argv) {
    std::string bootstrap, topic;
    std::vector<std::pair<std::string, std::string>> extra;
    bool plugin_defaults = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) die("missing value for " + a);
            return argv[++i];
        };
        if (a == "-b") bootstrap = next();
        else if (a == "-t") topic = next();
        else if (a == "-X") {
            std::string kv = next();
            auto eq = kv.find('=');
            if (eq == std::string::npos) die("-X needs key=value");
            extra.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
        } else if (a == "--plugin-defaults") plugin_defaults = true;
        else die("usage: bench_raw_consumer -b HOST:PORT -t TOPIC [-X key=value ...] [--plugin-defaults]");
    }
    if (bootstrap.empty() || topic.empty()) die("need -b and -t");
    const auto t0 = Clock::now();

    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", bootstrap);
    set(conf, "group.id", "bench-raw-consumer"); // assign() needs one in 2.0.2; never joins or commits
    set(conf, "enable.auto.commit", "false");
    set(conf, "enable.auto.offset.store", "false");
    set(conf, "enable.partition.eof", "true");
    set(conf, "auto.offset.reset", "error");
    if (plugin_defaults) {
        set(conf, "queued.min.messages", "50000");
        set(conf, "queued.max.messages.kbytes", "4096");
        set(conf, "fetch.wait.max.ms", "100");
        set(conf, "enable.sparse.connections", "false");
    }
    for (auto &[k, v] : extra) set(conf, k, v);
    char errstr[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!rk) die(errstr);
    rd_kafka_poll_set_consumer(rk);

    // Partitions and watermarks.
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    const rd_kafka_metadata_t *md = nullptr;
    if (rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, 10000)) die(rd_kafka_err2str(e));
    if (md->topic_cnt != 1 || md->topics[0].err) die("topic " + topic + " not found");
    const int np = md->topics[0].partition_cnt;
    std::vector<int64_t> end(static_cast<size_t>(np));
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(np);
    int open = 0;
    for (int i = 0; i < np; ++i) {
        const int32_t p = md->topics[0].partitions[i].id;
        if (p >= np) die("sparse partition ids");
        int64_t lo = 0, hi = 0;
        if (rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 10000))
            die(rd_kafka_err2str(e));
        end[static_cast<size_t>(p)] = hi;
        if (lo < hi) {
            rd_kafka_topic_partition_list_add(l, topic.c_str(), p)->offset = lo;
            ++open;
        }
    }
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    if (rd_kafka_resp_err_t e = rd_kafka_assign(rk, l)) die(rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_destroy(l);

    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
    std::vector<rd_kafka_message_t *> msgs(4096);
    long long records = 0, bytes = 0;
    double first_ms = -1;
    while (open > 0) {
        // 2.0.2's batch consume waits for a full batch or the timeout: block for one, then drain.
        ssize_t n = rd_kafka_consume_batch_queue(q, 1000, msgs.data(), 1);
        if (n == 1) {
            ssize_t more = rd_kafka_consume_batch_queue(q, 0, msgs.data() + 1, msgs.size() - 1);
            n += more > 0 ? more : 0;
        }
        if (n < 0) die(rd_kafka_err2str(rd_kafka_last_error()));
        for (ssize_t i = 0; i < n; ++i) {
            rd_kafka_message_t *m = msgs[static_cast<size_t>(i)];
            if (!m->err) {
                if (first_ms < 0)
                    first_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
                const int64_t e = end[static_cast<size_t>(m->partition)];
                if (m->offset < e) {
                    ++records;
                    bytes += static_cast<long long>(m->len + m->key_len);
                    if (m->offset == e - 1) --open;
                }
            } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                std::fprintf(stderr, "bench_raw_consumer: %s\n", rd_kafka_message_errstr(m));
            }
            rd_kafka_message_destroy(m);
        }
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    std::printf("{\"records\":%lld,\"bytes\":%lld,\"seconds\":%.6f,\"first_record_ms\":%.3f}\n", records, bytes, secs,
                first_ms);
    return 0;
}
