#include "runtime/plugin/application.h"

#include "runtime/plugin/plugin_call.h"

#include "common/guarded.h"

#include <fmt/format.h>

#include <cstddef>
#include <type_traits>

namespace streamsubmit::runtime {
namespace {
// What marks an ss_batch as one this host made (ApplicationBatch::of).
constexpr char kBatchTag = 'B';
} // namespace

ApplicationBatch::ApplicationBatch(int64_t id, int64_t time_ms, std::string mode, std::vector<OffsetRange> ranges)
    : mode_(std::move(mode)), ranges_(std::move(ranges)) {
    c_ranges_.reserve(ranges_.size());
    for (const auto &r : ranges_) c_ranges_.push_back({r.tp.topic.c_str(), r.tp.partition, r.from, r.until});
    ss_batch &b = view_.c;
    b.struct_size = sizeof(ss_batch);
    b.id = id;
    b.time_ms = time_ms;
    b.mode = mode_.c_str();
    b.ranges = c_ranges_.data();
    b.range_count = c_ranges_.size();
    b.range_stride = sizeof(ss_offset_range);
    view_.tag = &kBatchTag;
    view_.owner = this;
}

void ApplicationBatch::set_group_metadata(std::string metadata) {
    group_metadata_ = std::move(metadata);
    view_.c.group_metadata = group_metadata_.empty() ? nullptr : group_metadata_.data();
    view_.c.group_metadata_size = group_metadata_.size();
}

ApplicationBatch *ApplicationBatch::of(const ss_batch *batch) {
    static_assert(std::is_standard_layout_v<View> && offsetof(View, c) == 0);
    if (!batch) return nullptr;
    const auto *view = reinterpret_cast<const View *>(batch);
    return view->tag == &kBatchTag ? view->owner : nullptr;
}

namespace {

std::vector<ss_kv> to_kv(const std::vector<std::pair<std::string, std::string>> &conf) {
    std::vector<ss_kv> kv;
    kv.reserve(conf.size());
    for (const auto &[k, v] : conf) kv.push_back({k.c_str(), v.c_str()});
    return kv;
}

} // namespace

Result<std::unique_ptr<Application>> Application::create(PluginPtr plugin, const ApplicationSetup &setup,
                                                         Diagnostics diagnostics) {
    const ss_application_api *api = plugin->application_api();
    if (!api)
        return Error(ErrorKind::PluginLoad, fmt::format("plugin '{}' is not an application", plugin->name()),
                     plugin->path().string(), "pass a plugin built with an application table");
    const auto kv = to_kv(setup.conf);
    const auto source_kv = to_kv(setup.source_conf);
    const auto format_kv = to_kv(setup.format_conf);
    std::vector<const char *> argv;
    argv.reserve(setup.args.size());
    for (const auto &a : setup.args) argv.push_back(a.c_str());
    auto diag = std::make_unique<Diagnostics>(std::move(diagnostics));
    auto reject_host = std::make_unique<RejectHost>(RejectHost{setup.rejects, diag.get()});
    auto host = std::make_unique<ss_host_api>(host_api(diag.get()));
    host->reject = &Application::reject_from_plugin;
    host->reject_ctx = reject_host.get();
    std::unique_ptr<RecordDecodeFn> decode_host;
    if (setup.decode) {
        decode_host = std::make_unique<RecordDecodeFn>(setup.decode);
        host->decode = &decode_for_plugin;
        host->decode_ctx = decode_host.get();
    }
    ss_app_params params{};
    params.struct_size = sizeof(ss_app_params);
    params.conf = kv.data();
    params.conf_count = kv.size();
    params.conf_stride = sizeof(ss_kv);
    params.args = argv.empty() ? nullptr : argv.data();
    params.arg_count = argv.size();
    params.host = host.get();
    params.max_parallelism = setup.max_parallelism;
    params.mode = setup.mode.c_str();
    params.group_coordinated = setup.group_coordinated ? 1 : 0;
    params.batch_interval_ms = setup.batch_interval.count();
    params.source_conf = source_kv.data();
    params.source_conf_count = source_kv.size();
    params.source_conf_stride = sizeof(ss_kv);
    params.format_conf = format_kv.data();
    params.format_conf_count = format_kv.size();
    params.format_conf_stride = sizeof(ss_kv);
    params.dead_letter_topic = setup.dead_letter_topic.empty() ? nullptr : setup.dead_letter_topic.c_str();
    ss_error err = empty_error();
    ss_app *handle = nullptr;
    const ss_status st = api->create(&params, &handle, &err);
    if (st != SS_OK || !handle) {
        Error e = source_error(st == SS_OK ? SS_ERR_INTERNAL : st, err);
        e.what = fmt::format("application '{}' could not start: {}", plugin->name(), e.what);
        if (st == SS_ERR_CONFIG && !plugin_hint(err)) e.hint = "fix the setting or argument it names";
        return e;
    }
    return std::unique_ptr<Application>(
        new Application(std::move(plugin), handle, std::move(diag), std::move(reject_host), std::move(decode_host),
                        std::move(host)));
}

Application::Application(PluginPtr plugin, ss_app *handle, std::unique_ptr<Diagnostics> diagnostics,
                         std::unique_ptr<RejectHost> reject_host, std::unique_ptr<RecordDecodeFn> decode_host,
                         std::unique_ptr<ss_host_api> host)
    : plugin_(std::move(plugin)), api_(plugin_->application_api()), handle_(handle),
      diagnostics_(std::move(diagnostics)), reject_host_(std::move(reject_host)), decode_host_(std::move(decode_host)),
      host_(std::move(host)),
      name_(plugin_->name()) {}

ss_status Application::reject_from_plugin(void *ctx, const ss_batch *batch, const ss_record *record,
                                          ss_reject_stage stage, const char *error_class, const char *reason,
                                          ss_error *err) noexcept {
    ss_status answer = SS_ERR_INTERNAL;
    const Status ran = run_guarded("a plugin's reject call", [&]() -> Status {
        const auto &host = *static_cast<const RejectHost *>(ctx);
        ApplicationBatch *owner = ApplicationBatch::of(batch);
        if (!owner || !record) {
            answer = ss_error_set(err, SS_ERR_INTERNAL, "reject: not a batch or record this host handed over");
            return ok_status();
        }
        RejectedRecord copy = RejectedRecord::copy_of(*record, stage, error_class, reason);
        if (host.policy.log && *host.diagnostics)
            (*host.diagnostics)(LogLevel::Warn, fmt::format("batch {}: rejected record {}", owner->id(), describe(copy)));
        if (auto st = owner->rejections().add(host.policy, owner->id(), std::move(copy)); !st) {
            answer = ss_error_set(err, SS_ERR_REJECTED, st.error().what.c_str());
            ss_error_hint(err, st.error().hint.c_str());
            return ok_status();
        }
        answer = SS_OK;
        return ok_status();
    });
    if (!ran) return ss_error_set(err, SS_ERR_INTERNAL, ran.error().what.c_str());
    return answer;
}

Application::~Application() { api_->destroy(handle_); }

Error Application::fail(const char *call, ss_status status, const ss_error &err) const {
    Error e = source_error(status == SS_OK ? SS_ERR_INTERNAL : status, err);
    e.what = fmt::format("application '{}' failed in {}: {}", name_, call, e.what);
    if (e.input.empty()) e.input = plugin_->path().string();
    if (status == SS_ERR_CONFIG && !plugin_hint(err)) e.hint = "fix the setting or argument it names";
    // An application's own failure never reads as the input's (its output topic unknown is not
    // the job's topic deleted); only the group's refusal of a batch keeps its cause.
    if (e.cause != Cause::Rebalanced) e.cause = Cause::None;
    // What the application reports as its own failure (not a Kafka or configuration error it
    // passes on) gets exit 8, so scripts can tell "my sink failed" from the job's other failures.
    if (e.kind == ErrorKind::Runtime) {
        e.kind = ErrorKind::Application;
        if (!plugin_hint(err))
            e.hint = "the batch stays planned: fix what the message names, then restart the job to re-run it";
    }
    return e;
}

Status Application::process(const ApplicationBatch &batch, size_t range, const ss_record *records, size_t count) {
    ss_error err = empty_error();
    const ss_status st =
        api_->process(handle_, &batch.c(), &batch.range(range), records, count, sizeof(ss_record), &err);
    if (st != SS_OK) return fail("process", st, err);
    return ok_status();
}

Status Application::finish_range(const ApplicationBatch &batch, size_t range) {
    if (!api_->finish_range) return ok_status();
    ss_error err = empty_error();
    const ss_status st = api_->finish_range(handle_, &batch.c(), &batch.range(range), &err);
    if (st != SS_OK) return fail("finish_range", st, err);
    return ok_status();
}

Status Application::commit(const ApplicationBatch &batch) {
    ss_error err = empty_error();
    const ss_status st = api_->commit(handle_, &batch.c(), &err);
    if (st != SS_OK) return fail("commit", st, err);
    return ok_status();
}

void Application::abort(const ApplicationBatch &batch) {
    if (api_->abort) api_->abort(handle_, &batch.c());
}

bool Application::has_write_dead_letters() const {
    return SS_HAS_FIELD(ss_application_api, api_, write_dead_letters) && api_->write_dead_letters;
}

Status Application::write_dead_letters(const ApplicationBatch &batch, const std::string &topic,
                                       const ss_record *records, size_t count) {
    ss_error err = empty_error();
    const ss_status st =
        api_->write_dead_letters(handle_, &batch.c(), topic.c_str(), records, count, sizeof(ss_record), &err);
    if (st != SS_OK) {
        Error e = fail("write_dead_letters", st, err);
        // The dead-letter topic cannot be written (missing, not allowed): exit 4 naming it.
        if (st == SS_ERR_UNKNOWN_TOPIC || st == SS_ERR_AUTHENTICATION || st == SS_ERR_BROKER) e.kind = ErrorKind::Kafka;
        if (e.input.empty() || e.input == plugin_->path().string()) e.input = "stream.errors.deadletterqueue.topic=" + topic;
        return e;
    }
    return ok_status();
}

Result<OffsetMap> Application::recover(const OffsetMap &positions) {
    if (!api_->recover) return positions;
    std::lock_guard lock(recover_mutex_);
    std::vector<ss_topic_partition> c;
    c.reserve(positions.size());
    for (const auto &[tp, offset] : positions) c.push_back({tp.topic.c_str(), tp.partition, offset});
    ss_error err = empty_error();
    const ss_status st = api_->recover(handle_, c.data(), c.size(), sizeof(ss_topic_partition), &err);
    if (st != SS_OK) return fail("recover", st, err);
    OffsetMap out;
    size_t i = 0;
    for (const auto &[tp, offset] : positions) out[tp] = c[i++].offset;
    return out;
}

} // namespace streamsubmit::runtime
