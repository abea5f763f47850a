#include "fake_source.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace streamsubmit::test {

bool FakeSourceState::wait_for(const std::function<bool()> &done, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, done);
}

void FakeSourceState::release_reads() {
    {
        std::lock_guard lock(mutex);
        block_reads = false;
    }
    changed.notify_all();
}

void FakeSourceState::fail_blocked_read(int32_t partition, ss_status status) {
    {
        std::lock_guard lock(mutex);
        blocked_read_failures[partition] = status;
    }
    changed.notify_all();
}

void FakeSourceState::push_event(ss_rebalance_event event, std::vector<runtime::TopicPartition> partitions) {
    {
        std::lock_guard lock(mutex);
        group.events.push_back({event, std::move(partitions)});
    }
    changed.notify_all();
}

namespace fake {

Handle &handle_of(ss_source *src) { return *reinterpret_cast<Handle *>(src); }

ss_status next_status(FakeSourceState &s, const std::string &call, ss_error *err) {
    s.calls.push_back(call);
    if (s.on_call) s.on_call(call);
    ss_status st = SS_OK;
    if (!s.failures.empty()) {
        st = s.failures.front();
        s.failures.erase(s.failures.begin());
    } else if (auto it = s.script.find(call.substr(0, call.find(' '))); it != s.script.end() && !it->second.empty()) {
        st = it->second.front();
        it->second.pop_front();
    }
    if (st == SS_OK) return SS_OK;
    return ss_error_set(err, st, ("fake: " + call + " failed").c_str());
}

} // namespace fake

namespace {

using fake::handle_of;
using fake::next_status;

FakeSourceState &state_of(ss_source *src) { return *handle_of(src).state; }

// The tables are static C functions, so create finds the state of the last fake plugin
// made on this thread here (a test makes its plugin, then its sources).
thread_local FakeSourceState *g_creating = nullptr;

ss_status create(const ss_source_params *params, ss_source **out, ss_error *err) {
    if (!g_creating) return ss_error_set(err, SS_ERR_INTERNAL, "fake: no state");
    {
        std::lock_guard lock(g_creating->mutex);
        g_creating->close_timeout_ms =
            SS_HAS_FIELD(ss_source_params, params, close_timeout_ms) ? params->close_timeout_ms : -1;
        g_creating->host_abi_major = params->host->abi_major;
    }
    *out = reinterpret_cast<ss_source *>(new fake::Handle{g_creating});
    return SS_OK;
}

void destroy(ss_source *src) { delete &handle_of(src); }

void interrupt(ss_source *src) {
    auto &h = handle_of(src);
    {
        std::lock_guard lock(h.state->mutex);
        h.interrupted = true;
    }
    h.state->changed.notify_all();
}

ss_status list_partitions(ss_source *src, const char *const *topics, size_t topic_count, const char *,
                          int, ss_partition_fn fn, void *ctx, ss_error *err) {
    auto &s = state_of(src);
    std::lock_guard lock(s.mutex);
    if (const ss_status st = next_status(s, "list_partitions", err); st != SS_OK) return st;
    for (size_t t = 0; t < topic_count; ++t)
        for (int32_t p = 0; p < s.partitions; ++p) fn(ctx, topics[t], p);
    return SS_OK;
}

ss_status query_watermarks(ss_source *src, ss_watermarks *parts, size_t count, size_t stride, int,
                           ss_error *err) {
    auto &s = state_of(src);
    std::lock_guard lock(s.mutex);
    if (const ss_status st = next_status(s, "query_watermarks", err); st != SS_OK) return st;
    for (size_t i = 0; i < count; ++i) {
        auto *w = ss_at(ss_watermarks, parts, stride, i);
        w->earliest = s.earliest;
        w->latest = s.end;
    }
    return SS_OK;
}

ss_status offsets_for_times(ss_source *src, ss_topic_partition *parts, size_t count, size_t stride, int,
                            ss_error *err) {
    auto &s = state_of(src);
    std::lock_guard lock(s.mutex);
    if (const ss_status st = next_status(s, "offsets_for_times", err); st != SS_OK) return st;
    for (size_t i = 0; i < count; ++i) ss_at(ss_topic_partition, parts, stride, i)->offset = s.earliest;
    return SS_OK;
}

// While the test blocks reads: waits for it to release them, an interrupt, or a failure it
// names for one of the ranges' partitions.
ss_status wait_while_blocked(fake::Handle &h, std::unique_lock<std::mutex> &lock, const ss_offset_range *ranges,
                             size_t count, size_t stride, ss_error *err) {
    auto &s = *h.state;
    const auto failure = [&]() -> ss_status {
        for (size_t i = 0; i < count; ++i)
            if (auto it = s.blocked_read_failures.find(ss_const_at(ss_offset_range, ranges, stride, i)->partition);
                it != s.blocked_read_failures.end())
                return it->second;
        return SS_OK;
    };
    if (!s.block_reads) return SS_OK;
    ++s.blocked_reads;
    s.changed.notify_all();
    s.changed.wait(lock, [&] { return !s.block_reads || h.interrupted || failure() != SS_OK; });
    --s.blocked_reads;
    if (h.interrupted) {
        h.interrupted = false;
        return ss_error_set(err, SS_ERR_INTERRUPTED, "fake: read interrupted");
    }
    if (const ss_status st = failure(); st != SS_OK) return ss_error_set(err, st, "fake: the blocked read failed");
    return SS_OK;
}

// Delivers each range's offsets as records "k<offset>"/"v<offset>", in the fake's stride.
ss_status read_ranges(ss_source *src, const ss_offset_range *ranges, size_t count, size_t stride,
                      ss_records_fn fn, void *ctx, ss_error *err) {
    auto &h = handle_of(src);
    auto &s = *h.state;
    std::unique_lock lock(s.mutex);
    h.interrupted = false; // an interrupt meant for an earlier call is dropped, as the real plugin does
    if (const ss_status st = next_status(s, "read_ranges " + std::to_string(count), err); st != SS_OK) return st;
    for (size_t i = 0; i < count; ++i) {
        const auto *r = ss_const_at(ss_offset_range, ranges, stride, i);
        s.reads.push_back({{r->topic, r->partition}, r->from, r->until});
        if (r->from < s.earliest)
            return ss_error_set(err, SS_ERR_OFFSET_OUT_OF_RANGE, "fake: offset out of range (deleted by retention)");
    }
    if (const ss_status st = wait_while_blocked(h, lock, ranges, count, stride, err); st != SS_OK) return st;
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
    lock.unlock(); // the host's callback may run for a while; the records are this call's own
    if (n > 0 && fn(ctx, reinterpret_cast<const ss_record *>(buffer.data()), n, s.record_stride) != 0)
        return ss_error_set(err, SS_ERR_INTERRUPTED, "fake: the host stopped the read");
    return SS_OK;
}

ss_status commit_offsets(ss_source *src, const ss_topic_partition *, size_t count, size_t, ss_error *err) {
    auto &s = state_of(src);
    std::lock_guard lock(s.mutex);
    return next_status(s, "commit " + std::to_string(count), err);
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
    fake->source = {sizeof(ss_source_api), create,  destroy, interrupt, options.direct ? &kDirect : nullptr, nullptr,
                    options.member ? &fake::kMember : nullptr};
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
