#include "fake_source.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace streamsubmit::test {
namespace {

// The handle the fake's create returns: the test's state.
FakeSourceState *state_of(ss_source *src) { return reinterpret_cast<FakeSourceState *>(src); }

// The tables are static C functions, so create finds the state of the last fake plugin
// made on this thread here (a test makes its plugin, then its sources).
thread_local FakeSourceState *g_creating = nullptr;

ss_status next_status(FakeSourceState &s, const std::string &call, ss_error *err) {
    s.calls.push_back(call);
    if (s.failures.empty()) return SS_OK;
    const ss_status st = s.failures.front();
    s.failures.erase(s.failures.begin());
    return ss_error_set(err, st, ("fake: " + call + " failed").c_str());
}

ss_status create(const ss_source_params *params, ss_source **out, ss_error *err) {
    if (!g_creating) return ss_error_set(err, SS_ERR_INTERNAL, "fake: no state");
    g_creating->close_timeout_ms =
        SS_HAS_FIELD(ss_source_params, params, close_timeout_ms) ? params->close_timeout_ms : -1;
    g_creating->host_abi_major = params->host->abi_major;
    *out = reinterpret_cast<ss_source *>(g_creating);
    return SS_OK;
}

void destroy(ss_source *) {}
void interrupt(ss_source *) {}

ss_status list_partitions(ss_source *src, const char *const *topics, size_t topic_count, const char *,
                          int, ss_partition_fn fn, void *ctx, ss_error *err) {
    auto &s = *state_of(src);
    if (const ss_status st = next_status(s, "list_partitions", err); st != SS_OK) return st;
    for (size_t t = 0; t < topic_count; ++t)
        for (int32_t p = 0; p < s.partitions; ++p) fn(ctx, topics[t], p);
    return SS_OK;
}

ss_status query_watermarks(ss_source *src, ss_watermarks *parts, size_t count, size_t stride, int,
                           ss_error *err) {
    auto &s = *state_of(src);
    if (const ss_status st = next_status(s, "query_watermarks", err); st != SS_OK) return st;
    for (size_t i = 0; i < count; ++i) {
        auto *w = ss_at(ss_watermarks, parts, stride, i);
        w->earliest = 0;
        w->latest = s.end;
    }
    return SS_OK;
}

ss_status offsets_for_times(ss_source *src, ss_topic_partition *parts, size_t count, size_t stride, int,
                            ss_error *err) {
    auto &s = *state_of(src);
    if (const ss_status st = next_status(s, "offsets_for_times", err); st != SS_OK) return st;
    for (size_t i = 0; i < count; ++i) ss_at(ss_topic_partition, parts, stride, i)->offset = 0;
    return SS_OK;
}

// Delivers each range's offsets as records "k<offset>"/"v<offset>", in the fake's stride.
ss_status read_ranges(ss_source *src, const ss_offset_range *ranges, size_t count, size_t stride,
                      ss_records_fn fn, void *ctx, ss_error *err) {
    auto &s = *state_of(src);
    if (const ss_status st = next_status(s, "read_ranges " + std::to_string(count), err); st != SS_OK) return st;
    std::vector<unsigned char> buffer;
    std::vector<std::string> texts;
    for (size_t i = 0; i < count; ++i) {
        const auto *r = ss_const_at(ss_offset_range, ranges, stride, i);
        for (int64_t o = r->from; o < r->until; ++o) {
            texts.push_back("k" + std::to_string(o));
            texts.push_back("v" + std::to_string(o));
        }
    }
    const size_t n = texts.size() / 2;
    size_t t = 0;
    buffer.assign(n * s.record_stride, 0xAB); // bytes past the host's fields are the newer plugin's
    size_t k = 0;
    for (size_t i = 0; i < count; ++i) {
        const auto *r = ss_const_at(ss_offset_range, ranges, stride, i);
        for (int64_t o = r->from; o < r->until; ++o, ++k) {
            ss_record rec{};
            rec.struct_size = s.record_struct_size;
            rec.topic = r->topic;
            rec.partition = r->partition;
            rec.offset = o;
            rec.timestamp_ms = 1000 + o;
            rec.timestamp_type = SS_TIMESTAMP_CREATE_TIME;
            rec.key = texts[t].data();
            rec.key_len = texts[t++].size();
            rec.value = texts[t].data();
            rec.value_len = texts[t++].size();
            rec.header_stride = sizeof(ss_header);
            rec.range_index = i;
            std::memcpy(buffer.data() + k * s.record_stride, &rec, std::min(sizeof rec, s.record_stride));
        }
    }
    if (n > 0 && fn(ctx, reinterpret_cast<const ss_record *>(buffer.data()), n, s.record_stride) != 0)
        return ss_error_set(err, SS_ERR_INTERRUPTED, "fake: the host stopped the read");
    return SS_OK;
}

ss_status commit_offsets(ss_source *src, const ss_topic_partition *, size_t count, size_t, ss_error *err) {
    return next_status(*state_of(src), "commit " + std::to_string(count), err);
}

const ss_direct_api kDirect = {sizeof(ss_direct_api), list_partitions, query_watermarks, offsets_for_times,
                               read_ranges, commit_offsets};

// The descriptor and tables of one fake plugin (the host keeps pointers into them), and the
// Plugin that wraps them.
struct FakePlugin {
    ss_source_api source{};
    ss_plugin_descriptor descriptor{};
    std::unique_ptr<runtime::Plugin> plugin;
};

} // namespace

runtime::PluginPtr fake_source_plugin(FakeSourceState &state, FakeSourceOptions options) {
    auto fake = std::make_shared<FakePlugin>();
    fake->source = {sizeof(ss_source_api), create, destroy, interrupt, options.direct ? &kDirect : nullptr, nullptr,
                    nullptr};
    fake->descriptor.magic = SS_PLUGIN_MAGIC;
    fake->descriptor.abi_major = SS_PLUGIN_ABI_MAJOR;
    fake->descriptor.abi_minor = SS_PLUGIN_ABI_MINOR;
    fake->descriptor.struct_size = sizeof(ss_plugin_descriptor);
    fake->descriptor.name = "fake";
    fake->descriptor.version = "0";
    fake->descriptor.source = &fake->source;
    fake->plugin = std::make_unique<runtime::Plugin>("(in process)", nullptr, &fake->descriptor);
    g_creating = &state;
    return runtime::PluginPtr(fake, fake->plugin.get()); // shares the tables' lifetime
}

} // namespace streamsubmit::test
