#include "fake_application.h"

#include <fmt/format.h>

#include <memory>

namespace streamsubmit::test {
namespace {

FakeApplicationState &state_of(ss_app *app) { return *reinterpret_cast<FakeApplicationState *>(app); }

// As in fake_source.cpp: create finds the state of the last fake application made on this thread.
thread_local FakeApplicationState *g_creating = nullptr;

ss_status create(const ss_app_params *, ss_app **out, ss_error *err) {
    if (!g_creating) return ss_error_set(err, SS_ERR_INTERNAL, "fake app: no state");
    *out = reinterpret_cast<ss_app *>(g_creating);
    return SS_OK;
}

void destroy(ss_app *) {}

ss_status process(ss_app *app, const ss_batch *batch, const ss_offset_range *, const ss_record *records, size_t count,
                  size_t stride, ss_error *) {
    auto &s = state_of(app);
    std::lock_guard lock(s.mutex);
    auto &open = s.open[batch->id];
    for (size_t i = 0; i < count; ++i) {
        const auto *r = ss_const_at(ss_record, records, stride, i);
        open.push_back({{r->topic, r->partition}, r->offset});
    }
    return SS_OK;
}

ss_status finish_range(ss_app *app, const ss_batch *, const ss_offset_range *range, ss_error *) {
    auto &s = state_of(app);
    std::lock_guard lock(s.mutex);
    s.calls.push_back(fmt::format("finish {}-{} [{},{})", range->topic, range->partition, range->from, range->until));
    return SS_OK;
}

ss_status commit(ss_app *app, const ss_batch *batch, ss_error *err) {
    auto &s = state_of(app);
    std::lock_guard lock(s.mutex);
    s.calls.push_back(fmt::format("commit {}", batch->id));
    if (s.on_commit) s.on_commit(batch->id);
    ss_status st = SS_OK;
    if (!s.commit_results.empty()) {
        st = s.commit_results.front();
        s.commit_results.pop_front();
    }
    if (st != SS_OK) return ss_error_set(err, st, "fake app: commit refused");
    if (batch->group_metadata)
        s.group_metadata[batch->id].assign(static_cast<const char *>(batch->group_metadata), batch->group_metadata_size);
    for (const auto &[tp, offset] : s.open[batch->id]) s.delivered[tp].push_back(offset);
    s.open.erase(batch->id);
    return SS_OK;
}

void abort_batch(ss_app *app, const ss_batch *batch) {
    auto &s = state_of(app);
    std::lock_guard lock(s.mutex);
    s.calls.push_back(fmt::format("abort {}", batch->id));
    s.open.erase(batch->id);
}

ss_status recover(ss_app *app, ss_topic_partition *positions, size_t count, size_t stride, ss_error *) {
    auto &s = state_of(app);
    std::lock_guard lock(s.mutex);
    for (size_t i = 0; i < count; ++i) {
        ss_topic_partition &p = *ss_at(ss_topic_partition, positions, stride, i);
        s.calls.push_back(fmt::format("recover {}-{} {}", p.topic, p.partition, p.offset));
        s.recover({p.topic, p.partition}, p.offset);
    }
    return SS_OK;
}

// Field by field from a zeroed table: what a later ABI adds stays NULL / 0 without naming it here.
constexpr ss_application_api application_table(decltype(ss_application_api::recover) recover_fn) {
    ss_application_api t{};
    t.struct_size = sizeof(ss_application_api);
    t.create = create;
    t.destroy = destroy;
    t.process = process;
    t.finish_range = finish_range;
    t.commit = commit;
    t.abort = abort_batch;
    t.recover = recover_fn;
    t.key_stride = sizeof(ss_config_key);
    return t;
}

const ss_application_api kApplication = application_table(nullptr);
const ss_application_api kRecoveringApplication = application_table(recover);

// The descriptor and table the host keeps pointers into, and the Plugin that wraps them.
struct FakePlugin {
    ss_plugin_descriptor descriptor{};
    std::unique_ptr<runtime::Plugin> plugin;
};

} // namespace

runtime::PluginPtr fake_application_plugin(FakeApplicationState &state) {
    auto fake = std::make_shared<FakePlugin>();
    fake->descriptor.magic = SS_PLUGIN_MAGIC;
    fake->descriptor.abi_major = SS_PLUGIN_ABI_MAJOR;
    fake->descriptor.abi_minor = SS_PLUGIN_ABI_MINOR;
    fake->descriptor.struct_size = sizeof(ss_plugin_descriptor);
    fake->descriptor.name = "fake-app";
    fake->descriptor.version = "0";
    fake->descriptor.application = state.recover ? &kRecoveringApplication : &kApplication;
    fake->plugin = std::make_unique<runtime::Plugin>("(in process)", nullptr, &fake->descriptor);
    g_creating = &state;
    return runtime::PluginPtr(fake, fake->plugin.get());
}

} // namespace streamsubmit::test
