// read_ranges against a raw rd_kafka_consume_batch_queue loop, both on the plugin's mock
// cluster, same consumer configuration. Not a test; prints records/s of both and the ratio.
//
//   kafka_plugin_bench --plugin PATH [--partitions 6] [--records 180000] [--value-bytes 100] [--rounds 5]
#include <streamsubmit/plugin.h>
#include <streamsubmit/testing.h>

#include <librdkafka/rdkafka.h>

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

[[noreturn]] void die(const std::string &msg) {
    std::fprintf(stderr, "kafka_plugin_bench: %s\n", msg.c_str());
    std::exit(1);
}

void quiet_log(void *, ss_log_level level, const char *msg) {
    if (level >= SS_LOG_WARN)
        std::fprintf(stderr, "[plugin] %s\n", msg);
}

struct Sink {
    size_t records = 0;
    size_t bytes = 0;
};

int sink_fn(void *ctx, const ss_record *records, size_t n, size_t stride) {
    auto *s = static_cast<Sink *>(ctx);
    for (size_t i = 0; i < n; ++i) {
        const ss_record &r = *ss_const_at(ss_record, records, stride, i);
        s->bytes += r.value_len + r.key_len;
    }
    s->records += n;
    return 0;
}

// The same settings the plugin applies by default (and a group id, which assign() needs).
rd_kafka_t *raw_consumer(const std::string &bootstrap) {
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *kv[][2] = {{"bootstrap.servers", bootstrap.c_str()},
                           {"group.id", "bench-raw"},
                           {"enable.auto.commit", "false"},
                           {"enable.auto.offset.store", "false"},
                           {"enable.partition.eof", "true"},
                           {"auto.offset.reset", "error"},
                           {"queued.min.messages", "50000"},
                           {"queued.max.messages.kbytes", "4096"},
                           {"fetch.wait.max.ms", "100"},
                           {"enable.sparse.connections", "false"}};
    for (auto &p : kv)
        if (rd_kafka_conf_set(conf, p[0], p[1], errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
            die(errstr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!rk)
        die(errstr);
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

// Raw loop: assign, batch-consume, stop when every partition reached its end offset.
Sink raw_read(rd_kafka_t *rk, const std::vector<ss_watermarks> &w) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(static_cast<int>(w.size()));
    std::vector<int64_t> end(w.size());
    size_t open = 0;
    for (size_t i = 0; i < w.size(); ++i) {
        rd_kafka_topic_partition_list_add(l, w[i].topic, w[i].partition)->offset = w[i].earliest;
        end[i] = w[i].latest;
        open += w[i].earliest < w[i].latest;
    }
    rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
    std::vector<rd_kafka_message_t *> msgs(4096);
    Sink s;
    while (open > 0) {
        // Same two-step as the plugin: 2.0.2 otherwise waits for a full batch at the tail.
        ssize_t n = rd_kafka_consume_batch_queue(q, 100, msgs.data(), 1);
        if (n == 1) {
            ssize_t more = rd_kafka_consume_batch_queue(q, 0, msgs.data() + 1, msgs.size() - 1);
            n += more > 0 ? more : 0;
        }
        for (ssize_t i = 0; i < n; ++i) {
            rd_kafka_message_t *m = msgs[static_cast<size_t>(i)];
            if (!m->err) {
                size_t p = static_cast<size_t>(m->partition);
                if (m->offset < end[p]) {
                    s.bytes += m->len + m->key_len;
                    ++s.records;
                    if (m->offset == end[p] - 1) {
                        --open;
                    }
                }
            }
            rd_kafka_message_destroy(m);
        }
    }
    rd_kafka_queue_destroy(q);
    return s;
}

} // namespace

int main(int argc, char **argv) {
    std::string plugin;
    int partitions = 6, rounds = 5;
    long long records = 180000;
    size_t value_bytes = 100;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        if (a == "--plugin")
            plugin = argv[i + 1];
        else if (a == "--partitions")
            partitions = std::atoi(argv[i + 1]);
        else if (a == "--records")
            records = std::atoll(argv[i + 1]);
        else if (a == "--value-bytes")
            value_bytes = static_cast<size_t>(std::atoll(argv[i + 1]));
        else if (a == "--rounds")
            rounds = std::atoi(argv[i + 1]);
        else
            die("unknown option " + a);
    }
    if (plugin.empty())
        die("usage: kafka_plugin_bench --plugin PATH [--partitions N] [--records N] [--value-bytes N] [--rounds N]");
    void *h = dlopen(plugin.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h)
        die(dlerror());
    auto entry = reinterpret_cast<ss_plugin_entry_fn>(dlsym(h, STREAMSUBMIT_PLUGIN_ENTRY_SYMBOL));
    if (!entry)
        die("no entry symbol");
    const ss_plugin_descriptor *d = entry(SS_PLUGIN_ABI_MAJOR, SS_PLUGIN_ABI_MINOR);
    if (!d || !d->source || !d->source->direct || !d->cluster)
        die("the plugin offers no direct source or no cluster");
    const ss_source_api *api = d->source;
    const ss_direct_api *direct = api->direct;
    const ss_cluster_api *capi = d->cluster;

    ss_error err{};
    err.struct_size = sizeof err;
    const ss_host_api host{sizeof host, SS_PLUGIN_ABI_MAJOR, SS_PLUGIN_ABI_MINOR, "bench", quiet_log, nullptr, nullptr, nullptr, nullptr, nullptr};
    const ss_cluster_params cluster_params{sizeof cluster_params, 3, &host};
    ss_cluster *c = nullptr;
    if (capi->create(&cluster_params, &c, &err) != SS_OK)
        die(err.message);
    std::string bootstrap = capi->bootstrap_servers(c);
    if (capi->create_topic(c, "bench", partitions, &err) != SS_OK)
        die(err.message);
    auto t0 = Clock::now();
    if (capi->produce(c, "bench", records, value_bytes, &err) != SS_OK)
        die(err.message);
    std::printf("produced %lld records of %zu bytes in %.2f s\n", records, value_bytes, seconds_since(t0));

    std::vector<ss_kv> conf{{"bootstrap.servers", bootstrap.c_str()}};
    ss_source_params params{sizeof params, conf.data(), conf.size(), sizeof(ss_kv), &host, 10000};
    ss_source *src = nullptr;
    if (api->create(&params, &src, &err) != SS_OK)
        die(err.message);
    std::vector<ss_watermarks> w;
    for (int p = 0; p < partitions; ++p)
        w.push_back({"bench", p, -1, -1});
    if (direct->query_watermarks(src, w.data(), w.size(), sizeof(ss_watermarks), 10000, &err) != SS_OK)
        die(err.message);
    long long total = 0;
    std::vector<ss_offset_range> ranges;
    for (const auto &m : w) {
        total += m.latest - m.earliest;
        ranges.push_back({m.topic, m.partition, m.earliest, m.latest});
    }
    std::printf("reading %lld records (mock retention keeps %lld of %lld)\n", total, total, records);

    rd_kafka_t *raw = raw_consumer(bootstrap);
    std::vector<double> raw_rates, plugin_rates;
    for (int r = 0; r < rounds; ++r) {
        auto t = Clock::now();
        Sink s = raw_read(raw, w);
        double dt = seconds_since(t);
        raw_rates.push_back(static_cast<double>(s.records) / dt);
        if (static_cast<long long>(s.records) != total)
            die("raw read count mismatch");

        Sink ps;
        t = Clock::now();
        if (direct->read_ranges(src, ranges.data(), ranges.size(), sizeof(ss_offset_range), sink_fn, &ps, &err) !=
            SS_OK)
            die(err.message);
        dt = seconds_since(t);
        plugin_rates.push_back(static_cast<double>(ps.records) / dt);
        if (static_cast<long long>(ps.records) != total)
            die("read_ranges count mismatch");
        std::printf("round %d: raw %.0f rec/s, read_ranges %.0f rec/s\n", r, raw_rates.back(), plugin_rates.back());
    }
    std::sort(raw_rates.begin(), raw_rates.end());
    std::sort(plugin_rates.begin(), plugin_rates.end());
    double raw_med = raw_rates[raw_rates.size() / 2], plugin_med = plugin_rates[plugin_rates.size() / 2];
    std::printf("median: raw %.0f rec/s, read_ranges %.0f rec/s, ratio %.2f\n", raw_med, plugin_med,
                plugin_med / raw_med);
    rd_kafka_destroy_flags(raw, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    api->destroy(src);
    capi->destroy(c);
    dlclose(h);
    return 0;
}
