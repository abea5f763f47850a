// Loads the Kafka plugin by path (as the runtime does) and exercises it only through the
// C ABI, against the plugin's own embedded mock cluster.
//
//   kafka_plugin_test --plugin build/plugins/streamsubmit-kafka.so [doctest options]
// Set SS_TEST_VERBOSE=1 to see the plugin's log lines on stderr.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <streamsubmit/plugin.h>
#include <streamsubmit/testing.h>

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using Conf = std::vector<std::pair<std::string, std::string>>;

const ss_plugin_descriptor *g_desc = nullptr;
const ss_source_api *api() { return g_desc->source; }
const ss_direct_api *direct() { return g_desc->source->direct; }
const ss_consumer_api *consumer() { return g_desc->source->consumer; }
const ss_member_api *member() { return g_desc->source->member; }
const ss_cluster_api *capi() { return g_desc->cluster; }

// Callers own ss_error and say how big it is.
ss_error new_error() {
    ss_error e{};
    e.struct_size = sizeof e;
    return e;
}

bool g_verbose = false;
std::mutex g_log_mu;
std::vector<std::string> g_log_lines;

void test_log(void *, ss_log_level level, const char *message) {
    std::lock_guard lock(g_log_mu);
    g_log_lines.emplace_back(message);
    if (g_verbose)
        std::fprintf(stderr, "[plugin %d] %s\n", static_cast<int>(level), message);
}

const ss_host_api g_host{sizeof(ss_host_api), SS_PLUGIN_ABI_MAJOR, SS_PLUGIN_ABI_MINOR, "test", test_log, nullptr, nullptr, nullptr, nullptr, nullptr};

long long ms_since(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

// ---- the shared mock cluster: topic "orders", 3 partitions, 3000 records ----
constexpr int64_t kOrders = 3000;

struct Cluster {
    ss_cluster *c = nullptr;
    std::string bootstrap;
};
Cluster *g_cluster = nullptr;

Cluster &cluster() {
    if (!g_cluster) {
        ss_error err = new_error();
        auto *cl = new Cluster();
        const ss_cluster_params params{sizeof params, 3, &g_host};
        REQUIRE_MESSAGE(capi()->create(&params, &cl->c, &err) == SS_OK, err.message);
        REQUIRE(cl->c != nullptr);
        cl->bootstrap = capi()->bootstrap_servers(cl->c);
        REQUIRE(capi()->create_topic(cl->c, "orders", 3, &err) == SS_OK);
        REQUIRE_MESSAGE(capi()->produce(cl->c, "orders", kOrders, 64, &err) == SS_OK, err.message);
        g_cluster = cl;
    }
    return *g_cluster;
}

// ---- a source owned by a test ----
struct Source {
    ss_source *s = nullptr;
    ss_status created = SS_OK;
    ss_error err = new_error();
    // params_size: what the host says the params struct holds (a smaller, older host's).
    explicit Source(Conf conf, uint32_t params_size = sizeof(ss_source_params)) {
        std::vector<ss_kv> kv;
        for (auto &[k, v] : conf)
            kv.push_back({k.c_str(), v.c_str()});
        ss_source_params p{params_size, kv.data(), kv.size(), sizeof(ss_kv), &g_host, 5000};
        created = api()->create(&p, &s, &err);
    }
    ~Source() {
        if (s)
            api()->destroy(s);
    }
    Source(const Source &) = delete;
    Source &operator=(const Source &) = delete;
};

Conf base_conf(Conf extra = {}) {
    Conf c{{"bootstrap.servers", cluster().bootstrap}};
    c.insert(c.end(), extra.begin(), extra.end());
    return c;
}

std::vector<std::pair<std::string, int32_t>> partitions_of(Source &src, std::vector<const char *> topics,
                                                           const char *pattern, ss_status *status = nullptr) {
    std::vector<std::pair<std::string, int32_t>> out;
    auto cb = [](void *ctx, const char *topic, int32_t partition) {
        static_cast<decltype(out) *>(ctx)->emplace_back(topic, partition);
    };
    ss_status st = direct()->list_partitions(src.s, topics.empty() ? nullptr : topics.data(), topics.size(), pattern,
                                          10000, cb, &out, &src.err);
    if (status)
        *status = st;
    else
        REQUIRE_MESSAGE(st == SS_OK, src.err.message);
    return out;
}

std::vector<ss_watermarks> watermarks(Source &src, const char *topic, int partitions) {
    std::vector<ss_watermarks> w;
    for (int p = 0; p < partitions; ++p)
        w.push_back({topic, p, -1, -1});
    REQUIRE_MESSAGE(direct()->query_watermarks(src.s, w.data(), w.size(), sizeof(ss_watermarks), 10000, &src.err) ==
                        SS_OK,
                    src.err.message);
    return w;
}

struct Got {
    std::string topic;
    int32_t partition;
    int64_t offset;
    size_t range_index;
    std::string key;
    std::string value;
};

struct Collector {
    std::vector<Got> records;
    size_t calls = 0;
    int stop_after_calls = 0; // 0: never
    std::function<void(size_t call)> on_call;

    static int fn(void *ctx, const ss_record *records, size_t n, size_t stride) {
        auto *self = static_cast<Collector *>(ctx);
        ++self->calls;
        for (size_t i = 0; i < n; ++i) {
            const ss_record &r = *ss_const_at(ss_record, records, stride, i);
            REQUIRE(r.struct_size >= sizeof(ss_record));
            REQUIRE(r.header_stride >= sizeof(ss_header));
            self->records.push_back({r.topic, r.partition, r.offset, r.range_index,
                                     std::string(static_cast<const char *>(r.key), r.key_len),
                                     std::string(static_cast<const char *>(r.value), r.value_len)});
        }
        if (self->on_call)
            self->on_call(self->calls);
        return self->stop_after_calls && static_cast<int>(self->calls) >= self->stop_after_calls;
    }
};

// Every range delivered exactly its offsets, in order, with the right range_index.
void check_exact(const std::vector<ss_offset_range> &ranges, const Collector &got) {
    std::vector<std::vector<int64_t>> per(ranges.size());
    for (const Got &g : got.records) {
        REQUIRE(g.range_index < ranges.size());
        const ss_offset_range &r = ranges[g.range_index];
        CHECK(g.topic == r.topic);
        CHECK(g.partition == r.partition);
        per[g.range_index].push_back(g.offset);
    }
    for (size_t i = 0; i < ranges.size(); ++i) {
        INFO("range " << i << " " << ranges[i].topic << "[" << ranges[i].partition << "] [" << ranges[i].from << ", "
                      << ranges[i].until << ")");
        int64_t want = std::max<int64_t>(0, ranges[i].until - ranges[i].from);
        REQUIRE(static_cast<int64_t>(per[i].size()) == want);
        for (int64_t k = 0; k < want; ++k)
            REQUIRE(per[i][static_cast<size_t>(k)] == ranges[i].from + k);
    }
}

std::vector<ss_offset_range> full_ranges(const std::vector<ss_watermarks> &w) {
    std::vector<ss_offset_range> r;
    for (const auto &m : w)
        r.push_back({m.topic, m.partition, m.earliest, m.latest});
    return r;
}

} // namespace

TEST_CASE("descriptor") {
    REQUIRE(g_desc);
    CHECK(g_desc->magic == SS_PLUGIN_MAGIC);
    CHECK(g_desc->abi_major == SS_PLUGIN_ABI_MAJOR);
    CHECK(g_desc->struct_size == sizeof(ss_plugin_descriptor));
    CHECK(std::string(g_desc->name) == "kafka");
    REQUIRE(g_desc->source);
    REQUIRE(g_desc->cluster);
    CHECK(g_desc->source->struct_size == sizeof(ss_source_api));
    CHECK(g_desc->cluster->struct_size == sizeof(ss_cluster_api));
    REQUIRE(direct());
    REQUIRE(consumer());
    REQUIRE(member());
    CHECK(direct()->struct_size == sizeof(ss_direct_api));
    CHECK(consumer()->struct_size == sizeof(ss_consumer_api));
    CHECK(member()->struct_size == sizeof(ss_member_api));
    CHECK((direct()->commit_offsets != nullptr));
    CHECK((consumer()->start_assigned_at != nullptr));
}

TEST_CASE("list_partitions and watermarks") {
    Source src(base_conf());
    REQUIRE_MESSAGE(src.s, src.err.message);
    auto parts = partitions_of(src, {"orders"}, nullptr);
    REQUIRE(parts.size() == 3);
    for (int p = 0; p < 3; ++p)
        CHECK(parts[static_cast<size_t>(p)] == std::make_pair(std::string("orders"), p));
    CHECK(partitions_of(src, {}, "ord.*").size() == 3);
    CHECK(partitions_of(src, {}, "ord").empty()); // full match only

    auto w = watermarks(src, "orders", 3);
    int64_t sum = 0;
    for (const auto &m : w) {
        CHECK(m.earliest == 0);
        sum += m.latest;
    }
    CHECK(sum == kOrders);
}

TEST_CASE("read_ranges delivers exactly each range") {
    Source src(base_conf());
    REQUIRE_MESSAGE(src.s, src.err.message);
    auto ranges = full_ranges(watermarks(src, "orders", 3));
    Collector got;
    REQUIRE_MESSAGE(direct()->read_ranges(src.s, ranges.data(), ranges.size(), sizeof(ss_offset_range),
                                          Collector::fn, &got, &src.err) == SS_OK,
                    src.err.message);
    CHECK(got.records.size() == static_cast<size_t>(kOrders));
    check_exact(ranges, got);
    std::set<std::string> keys;
    for (const auto &g : got.records) {
        CHECK(g.key.rfind("key-", 0) == 0);
        CHECK(g.value.size() == 64);
        keys.insert(g.key);
    }
    CHECK(keys.size() == static_cast<size_t>(kOrders));

    SUBCASE("partial range") {
        std::vector<ss_offset_range> part{{"orders", 1, 10, 20}};
        Collector few;
        REQUIRE(direct()->read_ranges(src.s, part.data(), 1, sizeof(ss_offset_range),
                                      Collector::fn, &few, &src.err) == SS_OK);
        check_exact(part, few);
    }
    SUBCASE("empty ranges complete at once") {
        std::vector<ss_offset_range> none{{"orders", 0, 5, 5}, {"orders", 1, 9, 3}};
        Collector nothing;
        REQUIRE(direct()->read_ranges(src.s, none.data(), 2, sizeof(ss_offset_range),
                                      Collector::fn, &nothing, &src.err) == SS_OK);
        CHECK(nothing.records.empty());
    }
}

TEST_CASE("adjacent ranges on one source deliver every offset once") {
    // Micro-batches read [a, b), [b, c), ... on one handle while librdkafka has prefetched far
    // beyond b: nothing may be skipped or repeated.
    Source src(base_conf());
    REQUIRE_MESSAGE(src.s, src.err.message);
    auto w = watermarks(src, "orders", 3);
    std::vector<std::vector<int64_t>> seen(3);
    for (int64_t from = 0, step = 37; from < kOrders; from += step, step = step * 3 / 2 + 1) {
        std::vector<ss_offset_range> batch;
        for (const auto &m : w)
            if (from < m.latest)
                batch.push_back({"orders", m.partition, from, std::min(m.latest, from + step)});
        if (batch.empty())
            break;
        Collector got;
        REQUIRE_MESSAGE(direct()->read_ranges(src.s, batch.data(), batch.size(), sizeof(ss_offset_range),
                                              Collector::fn, &got, &src.err) == SS_OK,
                        src.err.message);
        check_exact(batch, got);
        for (const auto &g : got.records)
            seen[static_cast<size_t>(g.partition)].push_back(g.offset);
    }
    for (const auto &m : w)
        CHECK(static_cast<int64_t>(seen[static_cast<size_t>(m.partition)].size()) == m.latest);
}

TEST_CASE("reads that continue, skip, leave out and go back over partitions deliver exactly their ranges") {
    // The handle keeps its assignment and what it read beyond a range when the next read starts
    // where the last one ended (read_ahead.h); any other read assigns afresh. Each step below
    // is one of those cases; every step must deliver exactly its ranges.
    auto run = [](Conf conf) {
        Source src(base_conf(std::move(conf)));
        REQUIRE_MESSAGE(src.s, src.err.message);
        const std::vector<std::vector<ss_offset_range>> steps{
            {{"orders", 0, 0, 100}, {"orders", 1, 0, 100}, {"orders", 2, 0, 100}}, // fresh
            {{"orders", 1, 100, 200}},                                            // p0, p2 stay assigned
            {{"orders", 0, 100, 150}, {"orders", 2, 100, 400}},                   // continue them
            {{"orders", 0, 150, 151}, {"orders", 1, 200, 201}, {"orders", 2, 400, 900}},
            {{"orders", 1, 50, 60}},                                              // back: assigns afresh
            {{"orders", 1, 60, 70}, {"orders", 0, 151, 160}},                     // p0 was not assigned
            {{"orders", 1, 70, 70}, {"orders", 0, 160, 161}},                     // an empty range
            {{"orders", 0, 161, 162}, {"orders", 0, 162, 170}},                   // one partition twice
        };
        for (size_t i = 0; i < steps.size(); ++i) {
            INFO("step " << i);
            const auto &batch = steps[i];
            Collector got;
            REQUIRE_MESSAGE(direct()->read_ranges(src.s, batch.data(), batch.size(), sizeof(ss_offset_range),
                                                  Collector::fn, &got, &src.err) == SS_OK,
                            src.err.message);
            check_exact(batch, got);
        }
    };
    SUBCASE("with librdkafka's prefetch limits as the plugin sets them") { run({}); }
    // A 20-record limit (half the queue): what is read beyond a range overflows it, is dropped,
    // and the next read assigns afresh.
    SUBCASE("with more read ahead than the handle may keep") { run({{"queued.min.messages", "40"}}); }
}

TEST_CASE("errors") {
    SUBCASE("unknown topic") {
        Source src(base_conf());
        REQUIRE(src.s);
        ss_status st;
        partitions_of(src, {"orders", "no-such-topic"}, nullptr, &st);
        CHECK(st == SS_ERR_UNKNOWN_TOPIC);
        CHECK(std::string(src.err.message).find("no-such-topic") != std::string::npos);
    }
    SUBCASE("bad configuration key") {
        Source src(base_conf({{"no.such.key", "1"}}));
        CHECK(src.s == nullptr);
        CHECK(src.created == SS_ERR_CONFIG); // the host turns it into exit 2, naming the key
        CHECK(std::string(src.err.message).find("kafka.no.such.key") != std::string::npos);
    }
    SUBCASE("the host's settings are fields now: a streamsubmit.* key goes to librdkafka, which refuses it") {
        Source src(base_conf({{"streamsubmit.close.timeout.ms", "1000"}}));
        CHECK(src.s == nullptr);
        CHECK(src.created == SS_ERR_CONFIG);
        CHECK(std::string(src.err.message).find("streamsubmit.close.timeout.ms") != std::string::npos);
    }
    SUBCASE("unreachable bootstrap") {
        Source src(Conf{{"bootstrap.servers", "127.0.0.1:1"}});
        REQUIRE(src.s);
        std::vector<std::pair<std::string, int32_t>> out;
        auto t0 = Clock::now();
        ss_status st = direct()->list_partitions(
            src.s, nullptr, 0, ".*", 2000, [](void *, const char *, int32_t) {}, &out, &src.err);
        CHECK(st == SS_ERR_UNREACHABLE);
        CHECK(ms_since(t0) < 6000);
        std::string msg = src.err.message;
        CHECK(msg.find("127.0.0.1:1") != std::string::npos);
        CHECK(msg.find("2000 ms") != std::string::npos);
    }
    SUBCASE("commit without group.id") {
        Source src(base_conf());
        REQUIRE(src.s);
        ss_topic_partition tp{"orders", 0, 1};
        CHECK(direct()->commit_offsets(src.s, &tp, 1, sizeof tp, &src.err) == SS_ERR_CONFIG);
        CHECK(std::string(src.err.message).find("kafka.group.id") != std::string::npos);
    }
    SUBCASE("offset out of range") {
        Source src(base_conf());
        REQUIRE(src.s);
        // Far beyond the end: with auto.offset.reset=error the fetch reports it.
        std::vector<ss_offset_range> r{{"orders", 0, 1000000, 1000010}};
        Collector got;
        CHECK(direct()->read_ranges(src.s, r.data(), 1, sizeof(ss_offset_range),
                                    Collector::fn, &got, &src.err) == SS_ERR_OFFSET_OUT_OF_RANGE);
        std::string msg = src.err.message;
        CHECK(msg.find("orders [0]") != std::string::npos);
        CHECK(msg.find("1000000") != std::string::npos);
    }
}

TEST_CASE("interrupt and callback stop") {
    Source src(base_conf());
    REQUIRE(src.s);
    auto w = watermarks(src, "orders", 3);
    SUBCASE("interrupt from another thread") {
        std::vector<ss_offset_range> r{{"orders", 0, w[0].latest, w[0].latest + 10}};
        Collector got;
        std::thread t([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            api()->interrupt(src.s);
        });
        auto t0 = Clock::now();
        ss_status st = direct()->read_ranges(src.s, r.data(), 1, sizeof(ss_offset_range),
                                             Collector::fn, &got, &src.err);
        auto took = ms_since(t0);
        t.join();
        CHECK(st == SS_ERR_INTERRUPTED);
        CHECK(took < 2000);
        CHECK(got.records.empty());
        // The source stays usable.
        std::vector<ss_offset_range> part{{"orders", 2, 10, 20}};
        Collector few;
        REQUIRE_MESSAGE(direct()->read_ranges(src.s, part.data(), 1, sizeof(ss_offset_range),
                                              Collector::fn, &few, &src.err) == SS_OK,
                        src.err.message);
        check_exact(part, few);
    }
    SUBCASE("an interrupt while no call runs does not fail the next call") {
        api()->interrupt(src.s);
        std::vector<ss_offset_range> part{{"orders", 0, 0, 5}};
        Collector few;
        REQUIRE_MESSAGE(direct()->read_ranges(src.s, part.data(), 1, sizeof(ss_offset_range),
                                              Collector::fn, &few, &src.err) == SS_OK,
                        src.err.message);
        check_exact(part, few);
    }
    SUBCASE("callback returns non-zero") {
        auto ranges = full_ranges(w);
        Collector got;
        got.stop_after_calls = 1;
        CHECK(direct()->read_ranges(src.s, ranges.data(), ranges.size(), sizeof(ss_offset_range),
                                    Collector::fn, &got, &src.err) ==
              SS_ERR_INTERRUPTED);
        CHECK(got.calls == 1);
    }
}

TEST_CASE("a broker going down and coming back mid-read") {
    Cluster &cl = cluster();
    ss_error err = new_error();
    REQUIRE(capi()->create_topic(cl.c, "resilient", 3, &err) == SS_OK);
    REQUIRE_MESSAGE(capi()->produce(cl.c, "resilient", 6000, 200, &err) == SS_OK, err.message);
    // Small fetches so that the read is still going when the broker drops.
    Source src(base_conf({{"max.partition.fetch.bytes", "2048"}}));
    REQUIRE_MESSAGE(src.s, src.err.message);
    auto ranges = full_ranges(watermarks(src, "resilient", 3));
    // The mock keeps each partition's leader where it is, so partition 0, led by broker 1,
    // can only be read once broker 1 is back.
    REQUIRE(capi()->set_leader(cl.c, "resilient", 0, 1, &err) == SS_OK);
    Collector got;
    REQUIRE(capi()->set_broker_up(cl.c, 1, 0, &err) == SS_OK);
    std::thread up([&cl] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        ss_error e2 = new_error();
        capi()->set_broker_up(cl.c, 1, 1, &e2);
    });
    auto t0 = Clock::now();
    ss_status st = direct()->read_ranges(src.s, ranges.data(), ranges.size(), sizeof(ss_offset_range),
                                         Collector::fn, &got, &src.err);
    auto took = ms_since(t0);
    up.join();
    REQUIRE_MESSAGE(st == SS_OK, src.err.message);
    check_exact(ranges, got);
    CHECK(took >= 1000);
    MESSAGE("read of 6000 records with broker 1 down for 1.5 s took " << took << " ms in " << got.calls
                                                                       << " callbacks");
}

TEST_CASE("watermarks of 1000 partitions are one batch") {
    Cluster &cl = cluster();
    ss_error err = new_error();
    REQUIRE(capi()->create_topic(cl.c, "wide", 1000, &err) == SS_OK);
    Source src(base_conf());
    REQUIRE(src.s);
    REQUIRE(partitions_of(src, {"wide"}, nullptr).size() == 1000);
    auto t0 = Clock::now();
    auto w = watermarks(src, "wide", 1000);
    auto took = ms_since(t0);
    CHECK(took < 3000);
    for (const auto &m : w) {
        CHECK(m.earliest == 0);
        CHECK(m.latest == 0);
    }
    MESSAGE("watermarks of 1000 partitions took " << took << " ms");

    // ListOffsets (API key 2) failing with NOT_LEADER_OR_FOLLOWER (6) is retried within the timeout.
    REQUIRE(capi()->push_request_errors(cl.c, 2, 3, 6, &err) == SS_OK);
    REQUIRE(capi()->set_broker_rtt(cl.c, 2, 50, &err) == SS_OK);
    auto o = watermarks(src, "orders", 3);
    int64_t sum = 0;
    for (const auto &m : o)
        sum += m.latest;
    CHECK(sum == kOrders);
    REQUIRE(capi()->set_broker_rtt(cl.c, 2, 0, &err) == SS_OK);

    std::vector<ss_topic_partition> times{{"orders", 0, 0}, {"orders", 1, 4102444800000LL}};
    REQUIRE_MESSAGE(direct()->offsets_for_times(src.s, times.data(), times.size(), sizeof(ss_topic_partition), 10000,
                                                &src.err) == SS_OK,
                    src.err.message);
    CHECK(times[1].offset == -1); // nothing at or after 2100-01-01
}

// A host built with bigger elements hands arrays over at its own stride.
template <class T>
struct Wide {
    T item;
    char newer_fields[24] = "written by a newer host";
    bool untouched() const { return std::string(newer_fields) == "written by a newer host"; }
};

TEST_CASE("arrays at a stride wider than this build's element") {
    Source src(base_conf());
    REQUIRE_MESSAGE(src.s, src.err.message);
    std::vector<Wide<ss_watermarks>> w(3);
    for (int p = 0; p < 3; ++p)
        w[static_cast<size_t>(p)].item = {"orders", p, -1, -1};
    REQUIRE_MESSAGE(direct()->query_watermarks(src.s, &w[0].item, w.size(), sizeof w[0], 10000, &src.err) == SS_OK,
                    src.err.message);
    std::vector<ss_offset_range> plain;
    std::vector<Wide<ss_offset_range>> ranges;
    for (const auto &m : w) {
        CHECK(m.item.earliest == 0);
        CHECK(m.item.latest > 0);
        plain.push_back({"orders", m.item.partition, m.item.latest - 7, m.item.latest});
        ranges.push_back({plain.back()});
        CHECK(m.untouched());
    }
    Collector got;
    REQUIRE_MESSAGE(direct()->read_ranges(src.s, &ranges[0].item, ranges.size(), sizeof ranges[0], Collector::fn, &got,
                                          &src.err) == SS_OK,
                    src.err.message);
    check_exact(plain, got);

    std::vector<Wide<ss_topic_partition>> times(2);
    times[0].item = {"orders", 0, 0};
    times[1].item = {"orders", 1, 4102444800000LL};
    REQUIRE_MESSAGE(direct()->offsets_for_times(src.s, &times[0].item, times.size(), sizeof times[0], 10000,
                                                &src.err) == SS_OK,
                    src.err.message);
    CHECK(times[1].item.offset == -1); // nothing at or after 2100-01-01
    CHECK(times[0].untouched());
    CHECK(times[1].untouched());

    SUBCASE("a stride smaller than the element is refused") {
        CHECK(direct()->query_watermarks(src.s, &w[0].item, w.size(), sizeof(ss_watermarks) - 8, 1000, &src.err) ==
              SS_ERR_INTERNAL);
        CHECK(std::string(src.err.message).find("stride") != std::string::npos);
    }
}

TEST_CASE("a smaller ss_source_params and ss_error") {
    SUBCASE("without close_timeout_ms: created, with the default close timeout") {
        Source src(base_conf(), offsetof(ss_source_params, close_timeout_ms));
        REQUIRE_MESSAGE(src.s, src.err.message);
        CHECK(partitions_of(src, {"orders"}, nullptr).size() == 3);
    }
    SUBCASE("without the configuration's stride: refused") {
        Source src(base_conf(), offsetof(ss_source_params, conf_stride));
        CHECK(src.s == nullptr);
        CHECK(std::string(src.err.message).find("ss_source_params") != std::string::npos);
    }
    SUBCASE("a NULL or too small ss_error gets no message; the status still tells") {
        Source src(base_conf());
        REQUIRE(src.s);
        const char *topics[] = {"no-such-topic"};
        auto none = [](void *, const char *, int32_t) {};
        CHECK(direct()->list_partitions(src.s, topics, 1, nullptr, 10000, none, nullptr, nullptr) ==
              SS_ERR_UNKNOWN_TOPIC);
        ss_error tiny = new_error();
        std::strcpy(tiny.message, "untouched");
        tiny.struct_size = offsetof(ss_error, message);
        CHECK(direct()->list_partitions(src.s, topics, 1, nullptr, 10000, none, nullptr, &tiny) ==
              SS_ERR_UNKNOWN_TOPIC);
        CHECK(std::string(tiny.message) == "untouched");
        ss_error short_one = new_error();
        short_one.struct_size = offsetof(ss_error, message) + 8;
        CHECK(direct()->list_partitions(src.s, topics, 1, nullptr, 10000, none, nullptr, &short_one) ==
              SS_ERR_UNKNOWN_TOPIC);
        CHECK(std::string(short_one.message) == "kafka: ");
    }
}

namespace {

struct Rebalances {
    ss_source *src = nullptr;
    std::vector<std::pair<ss_rebalance_event, std::vector<std::pair<std::string, int32_t>>>> events;
    bool pause_partition0_on_assign = false;
    int64_t start_partition2_at = -1;

    static void fn(void *ctx, ss_rebalance_event ev, const ss_topic_partition *p, size_t n, size_t stride) {
        auto *self = static_cast<Rebalances *>(ctx);
        std::vector<std::pair<std::string, int32_t>> tps;
        for (size_t i = 0; i < n; ++i) {
            const ss_topic_partition &tp = *ss_const_at(ss_topic_partition, p, stride, i);
            tps.emplace_back(tp.topic, tp.partition);
        }
        self->events.emplace_back(ev, tps);
        if (ev == SS_REBALANCE_ASSIGN && self->pause_partition0_on_assign) {
            ss_topic_partition p0{"orders", 0, 0};
            ss_error err = new_error();
            CHECK(consumer()->pause(self->src, &p0, 1, sizeof p0, &err) == SS_OK);
        }
        if (ev == SS_REBALANCE_ASSIGN && self->start_partition2_at >= 0) {
            ss_topic_partition p2{"orders", 2, self->start_partition2_at};
            ss_error err = new_error();
            CHECK(consumer()->start_assigned_at(self->src, &p2, 1, sizeof p2, &err) == SS_OK);
        }
    }
};

// Polls until `done` or the deadline; returns the first offset seen per partition.
std::map<int32_t, int64_t> poll_until(Source &src, Collector &got, int deadline_ms,
                                      const std::function<bool()> &done) {
    auto t0 = Clock::now();
    while (ms_since(t0) < deadline_ms && !done()) {
        ss_status st = consumer()->poll(src.s, 200, 500, Collector::fn, &got, &src.err);
        REQUIRE_MESSAGE(st == SS_OK, src.err.message);
    }
    std::map<int32_t, int64_t> first;
    for (const auto &g : got.records)
        first.try_emplace(g.partition, g.offset);
    return first;
}

} // namespace

TEST_CASE("commit_offsets, then a subscriber of the group starts there (or where start_assigned_at says); pause and resume") {
    const std::string group = "commit-test";
    {
        Source committer(base_conf({{"group.id", group}}));
        REQUIRE(committer.s);
        std::vector<ss_topic_partition> offs{{"orders", 0, 5}, {"orders", 1, 6}, {"orders", 2, 7}};
        REQUIRE_MESSAGE(direct()->commit_offsets(committer.s, offs.data(), offs.size(), sizeof(ss_topic_partition),
                                                 &committer.err) == SS_OK,
                        committer.err.message);
    }
    Source src(base_conf({{"group.id", group}}));
    REQUIRE(src.s);
    Rebalances rb;
    rb.src = src.s;
    rb.pause_partition0_on_assign = true;
    rb.start_partition2_at = 9; // the group committed 7: the host's choice wins
    ss_topic_partition outside{"orders", 2, 9};
    // Only inside ASSIGN.
    CHECK(consumer()->start_assigned_at(src.s, &outside, 1, sizeof outside, &src.err) == SS_ERR_CONFIG);
    const char *topics[] = {"orders"};
    REQUIRE_MESSAGE(consumer()->subscribe(src.s, topics, 1, Rebalances::fn, &rb, &src.err) == SS_OK, src.err.message);

    Collector got;
    auto partitions_seen = [&] {
        std::set<int32_t> s;
        for (const auto &g : got.records)
            s.insert(g.partition);
        return s;
    };
    // Partitions 1 and 2 flow; 0 was paused inside the ASSIGN callback.
    auto first = poll_until(src, got, 20000, [&] { return partitions_seen().count(1) && partitions_seen().count(2); });
    REQUIRE(!rb.events.empty());
    CHECK(rb.events.front().first == SS_REBALANCE_ASSIGN);
    CHECK(rb.events.front().second.size() == 3);
    REQUIRE(first.count(1));
    REQUIRE(first.count(2));
    CHECK(first[1] == 6);
    CHECK(first[2] == 9);
    poll_until(src, got, 1000, [] { return false; });
    CHECK(partitions_seen().count(0) == 0);

    ss_topic_partition p0{"orders", 0, 0};
    REQUIRE(consumer()->resume(src.s, &p0, 1, sizeof p0, &src.err) == SS_OK);
    first = poll_until(src, got, 10000, [&] { return partitions_seen().count(0) > 0; });
    REQUIRE(first.count(0));
    CHECK(first[0] == 5);
    for (const auto &g : got.records)
        CHECK(g.range_index == 0);
}

TEST_CASE("reading never creates a topic: list_partitions, join_group and subscribe of a missing one") {
    auto topics_now = [] {
        Source lister(base_conf());
        REQUIRE(lister.s);
        std::set<std::string> names;
        for (const auto &[topic, partition] : partitions_of(lister, {}, ".*")) names.insert(topic);
        return names;
    };
    REQUIRE(topics_now().count("orders") == 1);
    {
        Source direct_reader(base_conf());
        REQUIRE(direct_reader.s);
        ss_status st = SS_OK;
        partitions_of(direct_reader, {"ordres-direct"}, nullptr, &st);
        CHECK(st == SS_ERR_UNKNOWN_TOPIC);
        CHECK(std::string(direct_reader.err.message).find("topic 'ordres-direct' does not exist") != std::string::npos);
    }
    CHECK(topics_now().count("ordres-direct") == 0);
    {
        const char *missing[] = {"ordres-member"};
        Source joiner(base_conf({{"group.id", "no-create-member"}}));
        REQUIRE(joiner.s);
        Rebalances rb;
        rb.src = joiner.s;
        REQUIRE_MESSAGE(member()->join_group(joiner.s, missing, 1, Rebalances::fn, &rb, &joiner.err) == SS_OK,
                        joiner.err.message);
        for (auto t0 = Clock::now(); ms_since(t0) < 1500;) (void)member()->serve(joiner.s, 200, &joiner.err);
    }
    CHECK(topics_now().count("ordres-member") == 0);
    {
        const char *missing[] = {"ordres-receiver"};
        // Asking for auto-creation is ignored, with a warning: the broker's setting never applies.
        Source src(base_conf({{"group.id", "no-create"}, {"allow.auto.create.topics", "true"}}));
        REQUIRE(src.s);
        Rebalances rb;
        rb.src = src.s;
        REQUIRE_MESSAGE(consumer()->subscribe(src.s, missing, 1, Rebalances::fn, &rb, &src.err) == SS_OK,
                        src.err.message);
        // Long enough for the group's metadata refreshes, which would have created it.
        for (auto t0 = Clock::now(); ms_since(t0) < 3000;) {
            Collector got;
            const ss_status st = consumer()->poll(src.s, 200, 100, Collector::fn, &got, &src.err);
            REQUIRE_MESSAGE((st == SS_OK || st == SS_ERR_UNKNOWN_TOPIC), src.err.message);
            CHECK(got.records.empty());
        }
    }
    CHECK(topics_now().count("ordres-receiver") == 0);
    std::lock_guard lock(g_log_mu);
    CHECK(std::any_of(g_log_lines.begin(), g_log_lines.end(), [](const std::string &line) {
        return line.find("kafka.allow.auto.create.topics=true is ignored") != std::string::npos;
    }));
}

TEST_CASE("receiver mode: cooperative-sticky group, rebalance events, interrupt of a waiting poll") {
    Source src(base_conf({{"group.id", "coop-test"}, {"partition.assignment.strategy", "cooperative-sticky"}}));
    REQUIRE(src.s);
    Rebalances rb;
    rb.src = src.s;
    const char *topics[] = {"orders"};
    REQUIRE_MESSAGE(consumer()->subscribe(src.s, topics, 1, Rebalances::fn, &rb, &src.err) == SS_OK, src.err.message);
    Collector got;
    // A new group starts at the beginning (auto.offset.reset defaults to earliest in receiver mode).
    auto first = poll_until(src, got, 20000, [&] { return got.records.size() >= static_cast<size_t>(kOrders); });
    CHECK(got.records.size() == static_cast<size_t>(kOrders));
    for (int32_t p = 0; p < 3; ++p)
        CHECK(first[p] == 0);
    REQUIRE(!rb.events.empty());
    CHECK(rb.events.front().first == SS_REBALANCE_ASSIGN);

    // Nothing more arrives: a long poll returns INTERRUPTED soon after interrupt().
    std::thread t([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        api()->interrupt(src.s);
    });
    auto t0 = Clock::now();
    ss_status st = consumer()->poll(src.s, 10000, 100, Collector::fn, &got, &src.err);
    auto took = ms_since(t0);
    t.join();
    CHECK(st == SS_ERR_INTERRUPTED);
    CHECK(took < 2000);
}

TEST_CASE("member mode: join_group, serve, commit with metadata, committed offsets, group metadata") {
    const std::string group = "member-test";
    Source src(base_conf({{"group.id", group}}));
    REQUIRE_MESSAGE(src.s, src.err.message);
    CHECK(member()->serve(src.s, 10, &src.err) == SS_ERR_CONFIG); // not joined: it would fetch
    Rebalances rb;
    rb.src = src.s;
    const char *topics[] = {"orders"};
    REQUIRE_MESSAGE(member()->join_group(src.s, topics, 1, Rebalances::fn, &rb, &src.err) == SS_OK, src.err.message);
    auto t0 = Clock::now();
    while (rb.events.empty() && ms_since(t0) < 20000)
        REQUIRE_MESSAGE(member()->serve(src.s, 200, &src.err) == SS_OK, src.err.message);
    REQUIRE(!rb.events.empty());
    CHECK(rb.events.front().first == SS_REBALANCE_ASSIGN);
    CHECK(rb.events.front().second.size() == 3);

    Collector got;
    CHECK(consumer()->poll(src.s, 10, 10, Collector::fn, &got, &src.err) == SS_ERR_CONFIG); // serve, not poll

    std::vector<ss_topic_partition> offs{{"orders", 0, 11}, {"orders", 1, 12}, {"orders", 2, 13}};
    REQUIRE_MESSAGE(member()->commit_offsets(src.s, offs.data(), offs.size(), sizeof(ss_topic_partition), "batch 1",
                                             &src.err) == SS_OK,
                    src.err.message);
    std::vector<Wide<ss_topic_partition>> committed(3);
    for (int p = 0; p < 3; ++p)
        committed[static_cast<size_t>(p)].item = {"orders", p, 0};
    REQUIRE_MESSAGE(member()->committed_offsets(src.s, &committed[0].item, committed.size(), sizeof committed[0],
                                                10000, &src.err) == SS_OK,
                    src.err.message);
    for (int p = 0; p < 3; ++p)
        CHECK(committed[static_cast<size_t>(p)].item.offset == 11 + p);

    size_t size = 0;
    REQUIRE_MESSAGE(member()->group_metadata(src.s, nullptr, 0, &size, &src.err) == SS_OK, src.err.message);
    CHECK(size > 0);
    std::vector<char> buf(size);
    size_t again = 0;
    REQUIRE(member()->group_metadata(src.s, buf.data(), buf.size(), &again, &src.err) == SS_OK);
    CHECK(again == size);
}

int main(int argc, char **argv) {
    std::string plugin;
    std::vector<char *> rest;
    for (int i = 0; i < argc; ++i) {
        if (std::strcmp(argv[i], "--plugin") == 0 && i + 1 < argc)
            plugin = argv[++i];
        else
            rest.push_back(argv[i]);
    }
    if (plugin.empty()) {
        std::fprintf(stderr, "usage: %s --plugin PATH [doctest options]\n", argv[0]);
        return 2;
    }
    g_verbose = std::getenv("SS_TEST_VERBOSE") != nullptr;
    void *h = dlopen(plugin.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        std::fprintf(stderr, "cannot load %s: %s\n", plugin.c_str(), dlerror());
        return 2;
    }
    auto entry = reinterpret_cast<ss_plugin_entry_fn>(dlsym(h, STREAMSUBMIT_PLUGIN_ENTRY_SYMBOL));
    if (!entry) {
        std::fprintf(stderr, "%s has no %s\n", plugin.c_str(), STREAMSUBMIT_PLUGIN_ENTRY_SYMBOL);
        return 2;
    }
    g_desc = entry(SS_PLUGIN_ABI_MAJOR, SS_PLUGIN_ABI_MINOR);
    if (!g_desc || g_desc->magic != SS_PLUGIN_MAGIC || g_desc->abi_major != SS_PLUGIN_ABI_MAJOR ||
        g_desc->struct_size < sizeof(ss_plugin_descriptor)) {
        std::fprintf(stderr, "%s: wrong magic, ABI or descriptor size\n", plugin.c_str());
        return 2;
    }
    doctest::Context ctx;
    ctx.applyCommandLine(static_cast<int>(rest.size()), rest.data());
    int rc = ctx.run();
    if (g_cluster) {
        capi()->destroy(g_cluster->c);
        delete g_cluster;
    }
    // Never dlclose()d, as in the runtime (plugin_loader.h): a handle a test abandoned still has
    // librdkafka threads, and they call the plugin's interceptors until the process exits.
    return rc;
}

namespace {

// Streams (ABI 2.1): the host routes each assigned partition to stream partition % 2 inside
// ASSIGN; the records come from poll_stream, on threads of their own, never from poll().
struct Router {
    ss_source *src = nullptr;
    std::atomic<int> assigned{0};
    std::atomic<int> route_failures{0};
    static void fn(void *ctx, ss_rebalance_event ev, const ss_topic_partition *p, size_t n, size_t stride) {
        auto *self = static_cast<Router *>(ctx);
        if (ev != SS_REBALANCE_ASSIGN)
            return;
        for (size_t i = 0; i < n; ++i) {
            const ss_topic_partition &tp = *ss_const_at(ss_topic_partition, p, stride, i);
            ss_error err = new_error();
            if (consumer()->route_assigned(self->src, &tp, 1, stride, tp.partition % 2, &err) != SS_OK)
                ++self->route_failures;
        }
        self->assigned += static_cast<int>(n);
    }
};

struct StreamRecords {
    std::mutex mu;
    std::vector<std::pair<int32_t, int64_t>> got; // partition, offset
    static int fn(void *ctx, const ss_record *records, size_t n, size_t stride) {
        auto *self = static_cast<StreamRecords *>(ctx);
        std::lock_guard lock(self->mu);
        for (size_t i = 0; i < n; ++i) {
            const ss_record &r = *ss_const_at(ss_record, records, stride, i);
            self->got.emplace_back(r.partition, r.offset);
        }
        return 0;
    }
    size_t size() {
        std::lock_guard lock(mu);
        return got.size();
    }
};

} // namespace

TEST_CASE("receiver streams: one consumer's partitions read by two threads; poll serves only the group") {
    Source src(base_conf({{"group.id", "streams-test"}, {"auto.offset.reset", "earliest"}}));
    REQUIRE(src.s);
    REQUIRE(consumer()->struct_size >= offsetof(ss_consumer_api, poll_stream) + sizeof(void *));
    ss_topic_partition outside{"orders", 0, -1};
    CHECK(consumer()->route_assigned(src.s, &outside, 1, sizeof outside, 0, &src.err) == SS_ERR_CONFIG);
    Router router;
    router.src = src.s;
    const char *topics[] = {"orders"};
    REQUIRE_MESSAGE(consumer()->subscribe(src.s, topics, 1, Router::fn, &router, &src.err) == SS_OK, src.err.message);

    StreamRecords streams[2];
    std::atomic<bool> stop{false};
    std::atomic<int> stream_errors{0};
    std::vector<std::thread> readers;
    for (int32_t s = 0; s < 2; ++s)
        readers.emplace_back([&, s] {
            while (!stop) {
                ss_error err = new_error();
                const ss_status st = consumer()->poll_stream(src.s, s, 200, 500, StreamRecords::fn, &streams[s], &err);
                if (st != SS_OK && st != SS_ERR_INTERRUPTED)
                    ++stream_errors;
            }
        });
    Collector main_poll;
    for (auto t0 = Clock::now(); ms_since(t0) < 20000 && streams[0].size() + streams[1].size() < size_t(kOrders);) {
        const ss_status st = consumer()->poll(src.s, 100, 500, Collector::fn, &main_poll, &src.err);
        REQUIRE_MESSAGE(st == SS_OK, src.err.message);
    }
    // A waiting poll_stream ends at interrupt().
    stop = true;
    api()->interrupt(src.s);
    for (auto &t : readers) t.join();
    // One that came while no poll_stream ran ends the stream's next poll at once, and only that
    // one: a host that checks whether to stop and then polls cannot miss it (plugin.h).
    api()->interrupt(src.s);
    for (int32_t s = 0; s < 2; ++s) {
        ss_error err = new_error();
        CHECK(consumer()->poll_stream(src.s, s, 10000, 500, StreamRecords::fn, &streams[s], &err) == SS_ERR_INTERRUPTED);
        CHECK(consumer()->poll_stream(src.s, s, 50, 500, StreamRecords::fn, &streams[s], &err) == SS_OK);
    }

    CHECK(router.assigned == 3);
    CHECK(router.route_failures == 0);
    CHECK(stream_errors == 0);
    CHECK(main_poll.records.empty());
    std::set<std::pair<int32_t, int64_t>> all;
    for (int32_t s = 0; s < 2; ++s)
        for (const auto &[partition, offset] : streams[s].got) {
            CHECK(partition % 2 == s);
            all.emplace(partition, offset);
        }
    CHECK(all.size() == static_cast<size_t>(kOrders)); // every record once
    CHECK(streams[0].got.size() + streams[1].got.size() == static_cast<size_t>(kOrders));
}

namespace {

// ABI 2.5: a stream's reader that keeps every delivery (retain_records) and the views into it,
// with a copy of each value to compare them with once the deliveries are long gone.
struct KeptRecords {
    ss_source *src = nullptr;
    int32_t stream = 0;
    std::vector<ss_record_lease *> leases;
    std::vector<std::pair<std::string_view, std::string>> values; // view into the delivery, copy
    const char *topic = nullptr; // the delivery's topic name, kept too
    std::atomic<int64_t> count{0}; // records so far (the rest is the reader thread's until it is joined)
    static int fn(void *ctx, const ss_record *records, size_t n, size_t stride) {
        auto *self = static_cast<KeptRecords *>(ctx);
        ss_record_lease *lease = consumer()->retain_records(self->src, self->stream);
        REQUIRE(lease != nullptr);
        self->leases.push_back(lease);
        for (size_t i = 0; i < n; ++i) {
            const ss_record &r = *ss_const_at(ss_record, records, stride, i);
            std::string_view v(static_cast<const char *>(r.value), r.value_len);
            self->values.emplace_back(v, std::string(v));
            self->topic = r.topic;
        }
        self->count += static_cast<int64_t>(n);
        return 0;
    }
};

} // namespace

TEST_CASE("receiver streams: a kept delivery outlives its callback until its lease is released (ABI 2.5)") {
    Source src(base_conf({{"group.id", "kept-test"}, {"auto.offset.reset", "earliest"}}));
    REQUIRE(src.s);
    REQUIRE(SS_HAS_FIELD(ss_consumer_api, consumer(), release_records));
    const bool both_calls = consumer()->retain_records && consumer()->release_records;
    REQUIRE(both_calls);
    CHECK(consumer()->retain_records(src.s, 0) == nullptr); // outside a callback
    consumer()->release_records(src.s, nullptr);            // ignored
    Router router;
    router.src = src.s;
    const char *topics[] = {"orders"};
    REQUIRE_MESSAGE(consumer()->subscribe(src.s, topics, 1, Router::fn, &router, &src.err) == SS_OK, src.err.message);
    KeptRecords kept[2];
    std::atomic<bool> stop{false};
    std::vector<std::thread> readers;
    for (int32_t s = 0; s < 2; ++s) {
        kept[s].src = src.s;
        kept[s].stream = s;
        readers.emplace_back([&, s] {
            while (!stop) {
                ss_error err = new_error();
                (void)consumer()->poll_stream(src.s, s, 100, 200, KeptRecords::fn, &kept[s], &err);
            }
        });
    }
    Collector main_poll;
    for (auto t0 = Clock::now(); ms_since(t0) < 20000 && kept[0].count + kept[1].count < kOrders;)
        REQUIRE(consumer()->poll(src.s, 100, 500, Collector::fn, &main_poll, &src.err) == SS_OK);
    stop = true;
    api()->interrupt(src.s);
    for (auto &t : readers) t.join();
    REQUIRE(kept[0].values.size() + kept[1].values.size() == static_cast<size_t>(kOrders));
    // Every delivery's buffers are still the records': values (which start with their key
    // number, so no two are alike) and the topic name, long after their callbacks returned.
    std::set<std::string> distinct;
    for (auto &k : kept) {
        CHECK(std::string(k.topic) == "orders");
        for (const auto &[view, copy] : k.values) {
            CHECK(view == copy);
            distinct.insert(copy);
        }
    }
    CHECK(distinct.size() == static_cast<size_t>(kOrders));
    for (auto &k : kept)
        for (ss_record_lease *lease : k.leases)
            consumer()->release_records(src.s, lease);
}

namespace {

// A host of streams as streamsubmit's receiver mode is one: on ASSIGN it routes partition p to
// stream p % 2, starts one where it wants and pauses one; on REVOKE it holds the stream threads
// outside poll_stream until the member's poll returned (the plugin then unassigned the streams'
// handles), and records of a partition it no longer owns count as violations.
struct StreamHost {
    ss_source *src = nullptr;
    const char *topic = nullptr;
    int64_t start_partition3_at = -1;
    bool pause_partition0 = false;

    std::mutex mu;
    std::condition_variable cv;
    bool held = false;
    int in_poll = 0;
    std::set<int32_t> owned;
    int assigns = 0, revokes = 0, violations = 0, wrong_stream = 0;
    std::map<int32_t, std::vector<int64_t>> offsets; // per partition, in delivery order
    int route_failures = 0;

    static void on_rebalance(void *ctx, ss_rebalance_event ev, const ss_topic_partition *p, size_t n, size_t stride) {
        auto *self = static_cast<StreamHost *>(ctx);
        std::vector<ss_topic_partition> tps;
        for (size_t i = 0; i < n; ++i)
            tps.push_back(*ss_const_at(ss_topic_partition, p, stride, i));
        std::unique_lock lock(self->mu);
        if (ev == SS_REBALANCE_ASSIGN) {
            for (const auto &tp : tps) {
                ss_error err = new_error();
                if (consumer()->route_assigned(self->src, &tp, 1, sizeof tp, tp.partition % 2, &err) != SS_OK)
                    ++self->route_failures;
                if (tp.partition == 3 && self->start_partition3_at >= 0) {
                    ss_topic_partition at{tp.topic, 3, self->start_partition3_at};
                    CHECK(consumer()->start_assigned_at(self->src, &at, 1, sizeof at, &err) == SS_OK);
                }
                if (tp.partition == 0 && self->pause_partition0)
                    CHECK(consumer()->pause(self->src, &tp, 1, sizeof tp, &err) == SS_OK); // applied after ASSIGN
                self->owned.insert(tp.partition);
            }
            ++self->assigns;
            return;
        }
        self->held = true;
        self->cv.wait(lock, [&] { return self->in_poll == 0; });
        for (const auto &tp : tps)
            self->owned.erase(tp.partition);
        ++self->revokes;
    }

    static int on_records(void *ctx, const ss_record *records, size_t n, size_t stride) {
        auto *self = static_cast<std::pair<StreamHost *, int32_t> *>(ctx);
        StreamHost &host = *self->first;
        std::lock_guard lock(host.mu);
        for (size_t i = 0; i < n; ++i) {
            const ss_record &r = *ss_const_at(ss_record, records, stride, i);
            if (!host.owned.count(r.partition))
                ++host.violations;
            if (r.partition % 2 != self->second)
                ++host.wrong_stream;
            host.offsets[r.partition].push_back(r.offset);
        }
        return 0;
    }

    // The stream thread's loop: never inside poll_stream while a revocation is being finished.
    void read(int32_t stream, const std::atomic<bool> &stop, std::atomic<int> &errors) {
        std::pair<StreamHost *, int32_t> ctx{this, stream};
        while (!stop) {
            {
                std::unique_lock lock(mu);
                cv.wait(lock, [&] { return !held || stop; });
                ++in_poll;
            }
            ss_error err = new_error();
            const ss_status st = consumer()->poll_stream(src, stream, 100, 500, on_records, &ctx, &err);
            if (st != SS_OK && st != SS_ERR_INTERRUPTED)
                ++errors;
            std::lock_guard lock(mu);
            --in_poll;
            cv.notify_all();
        }
    }

    // The member's thread: serves the group; releases the streams once the plugin unassigned.
    ss_status serve(int timeout_ms, Collector &main_poll, ss_error *err) {
        const ss_status st = consumer()->poll(src, timeout_ms, 500, Collector::fn, &main_poll, err);
        std::lock_guard lock(mu);
        held = false;
        cv.notify_all();
        return st;
    }

    // The partition's records were delivered up to `end` (exclusive).
    bool reached(int32_t partition, int64_t end) {
        std::lock_guard lock(mu);
        const auto &o = offsets[partition];
        return !o.empty() && o.back() >= end - 1;
    }
};

} // namespace

TEST_CASE("receiver streams: each stream's handle starts where the member settled, pauses, and gives up revoked "
          "partitions") {
    ss_error err = new_error();
    const char *topic = "streams-rebalance";
    const std::string group = "streams-rebalance";
    constexpr int kPartitions = 4, kFirst = 400, kSecond = 400;
    REQUIRE(capi()->create_topic(cluster().c, topic, kPartitions, &err) == SS_OK);
    REQUIRE_MESSAGE(capi()->produce(cluster().c, topic, kFirst, 32, &err) == SS_OK, err.message);
    Source probe(base_conf()); // the end offsets (keyed records: partitions get unequal shares)
    REQUIRE(probe.s);
    auto ends = [&] {
        std::map<int32_t, int64_t> out;
        for (const auto &w : watermarks(probe, topic, kPartitions))
            out[w.partition] = w.latest;
        return out;
    };
    auto end = ends();
    for (const auto &[p, e] : end)
        REQUIRE(e > 10); // every partition has records past the starts below
    {
        Source committer(base_conf({{"group.id", group}}));
        REQUIRE(committer.s);
        std::vector<ss_topic_partition> offs{{topic, 0, 5}, {topic, 1, 6}};
        REQUIRE(direct()->commit_offsets(committer.s, offs.data(), offs.size(), sizeof(ss_topic_partition),
                                         &committer.err) == SS_OK);
    }
    const Conf conf{{"group.id", group}, {"heartbeat.interval.ms", "100"}, {"session.timeout.ms", "6000"}};
    Source a(base_conf(conf));
    REQUIRE(a.s);
    StreamHost host;
    host.src = a.s;
    host.topic = topic;
    host.start_partition3_at = 9;
    host.pause_partition0 = true;
    REQUIRE_MESSAGE(consumer()->subscribe(a.s, &topic, 1, StreamHost::on_rebalance, &host, &a.err) == SS_OK,
                    a.err.message);
    std::atomic<bool> stop{false};
    std::atomic<int> stream_errors{0};
    std::vector<std::thread> readers;
    for (int32_t s = 0; s < 2; ++s)
        readers.emplace_back([&, s] { host.read(s, stop, stream_errors); });
    Collector main_poll;
    auto serve_until = [&](int deadline_ms, const std::function<bool()> &done) {
        for (auto t0 = Clock::now(); ms_since(t0) < deadline_ms && !done();)
            REQUIRE_MESSAGE(host.serve(100, main_poll, &a.err) == SS_OK, a.err.message);
        return done();
    };
    // Committed 5 and 6, none for 2 (earliest), 9 for 3 (the host's choice); 0 paused.
    CHECK(serve_until(20000, [&] { return host.reached(1, end[1]) && host.reached(2, end[2]) && host.reached(3, end[3]); }));
    serve_until(500, [] { return false; });
    {
        std::lock_guard lock(host.mu);
        CHECK(host.offsets[0].empty());
        REQUIRE(!host.offsets[1].empty());
        CHECK(host.offsets[1].front() == 6);
        CHECK(host.offsets[2].front() == 0);
        CHECK(host.offsets[3].front() == 9);
    }
    ss_topic_partition p0{topic, 0, 0};
    {
        std::lock_guard lock(host.mu);
        host.pause_partition0 = false; // the next assignments start unpaused
    }
    REQUIRE(consumer()->resume(a.s, &p0, 1, sizeof p0, &a.err) == SS_OK); // reaches stream 0's handle
    CHECK(serve_until(10000, [&] { return host.reached(0, end[0]); }));
    {
        std::lock_guard lock(host.mu);
        REQUIRE(!host.offsets[0].empty());
        CHECK(host.offsets[0].front() == 5);
    }

    // A second member: the group takes partitions from `a` (its streams' handles give them up).
    Source b(base_conf(conf));
    REQUIRE(b.s);
    Rebalances brb;
    brb.src = b.s;
    REQUIRE(consumer()->subscribe(b.s, &topic, 1, Rebalances::fn, &brb, &b.err) == SS_OK);
    Collector b_got;
    std::atomic<bool> b_stop{false};
    std::thread b_thread([&] {
        while (!b_stop) {
            ss_error e = new_error();
            (void)consumer()->poll(b.s, 100, 500, Collector::fn, &b_got, &e);
        }
    });
    CHECK(serve_until(30000, [&] {
        std::lock_guard lock(host.mu);
        return host.revokes > 0 && host.owned.size() == kPartitions / 2;
    }));
    REQUIRE_MESSAGE(capi()->produce(cluster().c, topic, kSecond, 32, &err) == SS_OK, err.message);
    end = ends();
    std::set<int32_t> owned;
    {
        std::lock_guard lock(host.mu);
        owned = host.owned;
    }
    // The new records of a's partitions arrive through its streams.
    const bool caught_up = serve_until(20000, [&] {
        for (int32_t p : owned)
            if (!host.reached(p, end[p]))
                return false;
        return true;
    });
    CHECK(caught_up);
    if (!caught_up) {
        std::lock_guard lock(host.mu);
        for (int32_t p : owned)
            MESSAGE("partition " << p << ": delivered up to " << (host.offsets[p].empty() ? -1 : host.offsets[p].back())
                                 << " of " << end[p] << ", assigns " << host.assigns << ", revokes " << host.revokes);
    }
    serve_until(500, [] { return false; });
    b_stop = true;
    b_thread.join();
    stop = true;
    {
        std::lock_guard lock(host.mu);
        host.cv.notify_all();
    }
    api()->interrupt(a.s);
    for (auto &t : readers)
        t.join();

    std::lock_guard lock(host.mu);
    CHECK(host.route_failures == 0);
    CHECK(stream_errors == 0);
    CHECK(host.violations == 0);   // nothing of a revoked partition after its revocation
    CHECK(host.wrong_stream == 0); // partition p only on stream p % 2
    CHECK(main_poll.records.empty());
    for (const auto &g : b_got.records)
        CHECK(!owned.count(g.partition)); // b reads only its own
}
