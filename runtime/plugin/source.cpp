#include "runtime/plugin/source.h"

#include "runtime/plugin/plugin_call.h"

#include "common/guarded.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace streamsubmit::runtime {
namespace {

int timeout_ms(std::chrono::milliseconds t) { return static_cast<int>(t.count()); }

constexpr size_t kStride = sizeof(ss_topic_partition);

std::vector<ss_topic_partition> to_c(const OffsetMap &offsets) {
    std::vector<ss_topic_partition> out;
    out.reserve(offsets.size());
    for (const auto &[tp, offset] : offsets) out.push_back({tp.topic.c_str(), tp.partition, offset});
    return out;
}

std::vector<const char *> c_strings(const std::vector<std::string> &strings) {
    std::vector<const char *> out;
    out.reserve(strings.size());
    for (const auto &s : strings) out.push_back(s.c_str());
    return out;
}

} // namespace

int Source::adapt_records(void *ctx, const ss_record *records, size_t count, size_t stride) noexcept {
    auto &a = *static_cast<RecordAdapter *>(ctx);
    if (count == 0) return 0;
    if (stride == sizeof(ss_record) && records->struct_size == sizeof(ss_record)) return a.fn(a.ctx, records, count);
    // Stopping the call makes the plugin return SS_ERR_INTERRUPTED; the caller reports this
    // failure instead (the batch fails and is re-run).
    if (auto st = run_guarded("converting a plugin's records", [&] {
            a.converted.resize(count);
            return ok_status();
        });
        !st) {
        a.failure = st.error();
        return 1;
    }
    for (size_t i = 0; i < count; ++i) {
        const ss_record *in = ss_const_at(ss_record, records, stride, i);
        ss_record &r = a.converted[i];
        r = ss_record{};
        std::memcpy(&r, in, std::min<size_t>({in->struct_size, stride, sizeof(ss_record)}));
        r.struct_size = sizeof(ss_record);
        if (!SS_HAS_FIELD(ss_record, in, range_index)) r.range_index = 0;
        if (!SS_HAS_FIELD(ss_record, in, header_stride) || r.header_count == 0) {
            r.headers = r.header_count ? r.headers : nullptr;
            if (!SS_HAS_FIELD(ss_record, in, header_stride)) r.header_count = 0;
            r.header_stride = sizeof(ss_header);
        }
    }
    return a.fn(a.ctx, a.converted.data(), count);
}

void Source::adapt_rebalance(void *ctx, ss_rebalance_event event, const ss_topic_partition *partitions,
                             size_t count, size_t stride) noexcept {
    auto &a = *static_cast<RebalanceAdapter *>(ctx);
    if (stride == sizeof(ss_topic_partition) || count == 0) return a.fn(a.ctx, event, partitions, count);
    // A rebalance event cannot be refused: if it cannot be converted, the call that served it
    // fails with this error, and the job stops instead of going on with a wrong assignment.
    if (auto st = run_guarded("converting a rebalance event", [&] {
            a.converted.assign(count, ss_topic_partition{});
            return ok_status();
        });
        !st) {
        a.failure = st.error();
        return;
    }
    for (size_t i = 0; i < count; ++i)
        std::memcpy(&a.converted[i], ss_const_at(ss_topic_partition, partitions, stride, i),
                    std::min(stride, sizeof(ss_topic_partition)));
    a.fn(a.ctx, event, a.converted.data(), count);
}

Result<std::unique_ptr<Source>> Source::create(PluginPtr plugin, const ConnectorConf &conf,
                                               Diagnostics diagnostics, SourceSettings settings) {
    const ss_source_api *api = plugin->source_api();
    if (!api)
        return Error(ErrorKind::PluginLoad, fmt::format("plugin '{}' is not a source connector", plugin->name()),
                     plugin->path().string(), "load a source connector plugin such as streamsubmit-kafka.so");
    std::vector<ss_kv> kv;
    kv.reserve(conf.size());
    for (const auto &[k, v] : conf) kv.push_back({k.c_str(), v.c_str()});
    auto diag = std::make_unique<Diagnostics>(std::move(diagnostics));
    auto host = std::make_unique<ss_host_api>(host_api(diag.get()));
    ss_source_params params{};
    params.struct_size = sizeof(ss_source_params);
    params.conf = kv.data();
    params.conf_count = kv.size();
    params.conf_stride = sizeof(ss_kv);
    params.host = host.get();
    params.close_timeout_ms = static_cast<int32_t>(settings.close_timeout.count());
    ss_error err = empty_error();
    ss_source *handle = nullptr;
    if (const ss_status st = api->create(&params, &handle, &err); st != SS_OK) return source_error(st, err);
    if (!handle) return source_error(SS_ERR_INTERNAL, err); // SS_OK without a source: a broken plugin
    return std::unique_ptr<Source>(new Source(std::move(plugin), handle, std::move(diag), std::move(host)));
}

Source::Source(PluginPtr plugin, ss_source *handle, std::unique_ptr<Diagnostics> diagnostics,
               std::unique_ptr<ss_host_api> host)
    : plugin_(std::move(plugin)), api_(plugin_->source_api()), direct_(plugin_->direct_api()),
      consumer_(plugin_->consumer_api()), member_(plugin_->member_api()), handle_(handle),
      diagnostics_(std::move(diagnostics)), host_(std::move(host)) {}

Source::~Source() {
    // A lease released after destroy would free buffers of a consumer that no longer exists:
    // a host bug, said loudly rather than crashing later.
    if (const int64_t out = leases_out_->load(); out > 0 && diagnostics_ && *diagnostics_)
        (*diagnostics_)(LogLevel::Error,
                        fmt::format("internal error: {} record leases still held when the source was closed", out));
    api_->destroy(handle_);
}

// A failure of the host's own callbacks during the call wins over what the plugin says of it
// (it was told to stop, or could not be told what went wrong).
Source::ReadOutcome Source::outcome(ss_status status, const ss_error &err) {
    for (auto *failure : {&adapter_.failure, &rebalance_.failure})
        if (*failure) {
            ReadOutcome out{SS_ERR_INTERNAL, std::move(**failure)};
            failure->reset();
            return out;
        }
    if (status == SS_OK) return {};
    return {status, fail(status, err)};
}

Error Source::missing(const char *what) const {
    return Error(ErrorKind::PluginLoad, fmt::format("plugin '{}' offers no {}", plugin_->name(), what),
                 plugin_->path().string(), "use a source connector that offers it, such as streamsubmit-kafka.so");
}

void Source::interrupt() { api_->interrupt(handle_); }

Result<std::vector<TopicPartition>> Source::list_partitions(const std::vector<std::string> &topics,
                                                            const std::string &pattern,
                                                            std::chrono::milliseconds timeout) {
    const auto names = c_strings(topics);
    struct Found {
        std::vector<TopicPartition> partitions;
        Status failure = ok_status();
    } found;
    if (!direct_) return missing("direct reading (ss_direct_api)");
    ss_error err = empty_error();
    const ss_status st = direct_->list_partitions(
        handle_, pattern.empty() ? names.data() : nullptr, names.size(), pattern.empty() ? nullptr : pattern.c_str(),
        timeout_ms(timeout),
        [](void *ctx, const char *topic, int32_t partition) noexcept {
            auto &f = *static_cast<Found *>(ctx);
            if (!f.failure) return;
            f.failure = run_guarded("listing partitions", [&] {
                f.partitions.push_back({topic ? topic : "", partition});
                return ok_status();
            });
        },
        &found, &err);
    if (!found.failure) return found.failure.error();
    if (st != SS_OK) return fail(st, err);
    return std::move(found.partitions);
}

Result<WatermarkMap> Source::query_watermarks(const std::vector<TopicPartition> &partitions,
                                              std::chrono::milliseconds timeout) {
    std::vector<ss_watermarks> q;
    q.reserve(partitions.size());
    for (const auto &tp : partitions) q.push_back({tp.topic.c_str(), tp.partition, -1, -1});
    if (!direct_) return missing("direct reading (ss_direct_api)");
    ss_error err = empty_error();
    if (const ss_status st =
            direct_->query_watermarks(handle_, q.data(), q.size(), sizeof(ss_watermarks), timeout_ms(timeout), &err);
        st != SS_OK)
        return fail(st, err);
    WatermarkMap out;
    for (size_t i = 0; i < partitions.size(); ++i) out[partitions[i]] = Watermarks{q[i].earliest, q[i].latest};
    return out;
}

Result<OffsetMap> Source::offsets_for_times(const std::vector<TopicPartition> &partitions, int64_t timestamp_ms,
                                            std::chrono::milliseconds timeout) {
    std::vector<ss_topic_partition> q;
    for (const auto &tp : partitions) q.push_back({tp.topic.c_str(), tp.partition, timestamp_ms});
    if (!direct_) return missing("direct reading (ss_direct_api)");
    ss_error err = empty_error();
    if (const ss_status st = direct_->offsets_for_times(handle_, q.data(), q.size(), kStride, timeout_ms(timeout), &err);
        st != SS_OK)
        return fail(st, err);
    OffsetMap out;
    for (size_t i = 0; i < partitions.size(); ++i) out[partitions[i]] = q[i].offset;
    return out;
}

Source::ReadOutcome Source::read_ranges(const std::vector<OffsetRange> &ranges, RecordsFn fn, void *ctx) {
    std::vector<ss_offset_range> c;
    c.reserve(ranges.size());
    for (const auto &r : ranges) c.push_back({r.tp.topic.c_str(), r.tp.partition, r.from, r.until});
    if (!direct_) return {SS_ERR_UNSUPPORTED, missing("direct reading (ss_direct_api)")};
    ss_error err = empty_error();
    adapter_.fn = fn;
    adapter_.ctx = ctx;
    const ss_status st = direct_->read_ranges(handle_, c.data(), c.size(), sizeof(ss_offset_range),
                                              &Source::adapt_records, &adapter_, &err);
    return outcome(st, err);
}

// Outside a membership: the receiver's consumer commits through its own table, a direct
// source (stream.kafka.commitOffsets) through the direct one.
Status Source::commit_offsets(const OffsetMap &offsets) {
    const auto c = to_c(offsets);
    ss_error err = empty_error();
    ss_status st = SS_OK;
    if (subscribed_)
        st = consumer_->commit_offsets(handle_, c.data(), c.size(), kStride, &err);
    else if (direct_ && direct_->commit_offsets)
        st = direct_->commit_offsets(handle_, c.data(), c.size(), kStride, &err);
    else
        return missing("offset commits (ss_direct_api.commit_offsets)");
    if (st != SS_OK) return fail(st, err);
    return ok_status();
}

bool Source::supports_groups() const { return member_ != nullptr; }

bool Source::supports_direct() const { return direct_ != nullptr; }

namespace {
Error groups_unsupported() {
    return Error(ErrorKind::PluginLoad, "the source connector has no group membership (ss_member_api)",
                 "stream.kafka.coordination=group", "use the streamsubmit-kafka plugin of this streamsubmit version");
}
} // namespace

Status Source::join_group(const std::vector<std::string> &topics, RebalanceFn on_rebalance, void *ctx) {
    if (!supports_groups()) return groups_unsupported();
    const auto names = c_strings(topics);
    rebalance_.fn = on_rebalance;
    rebalance_.ctx = ctx;
    ss_error err = empty_error();
    if (const ss_status st =
            member_->join_group(handle_, names.data(), names.size(), &Source::adapt_rebalance, &rebalance_, &err);
        st != SS_OK)
        return fail(st, err);
    return ok_status();
}

Source::ReadOutcome Source::serve_group(std::chrono::milliseconds timeout) {
    if (!supports_groups()) return {SS_ERR_UNSUPPORTED, groups_unsupported()};
    ss_error err = empty_error();
    const ss_status st = member_->serve(handle_, timeout_ms(timeout), &err);
    return outcome(st, err);
}

Result<OffsetMap> Source::committed_offsets(const std::vector<TopicPartition> &partitions,
                                            std::chrono::milliseconds timeout) {
    if (!supports_groups()) return groups_unsupported();
    std::vector<ss_topic_partition> q;
    q.reserve(partitions.size());
    for (const auto &tp : partitions) q.push_back({tp.topic.c_str(), tp.partition, -1});
    ss_error err = empty_error();
    if (const ss_status st = member_->committed_offsets(handle_, q.data(), q.size(), kStride, timeout_ms(timeout), &err);
        st != SS_OK)
        return fail(st, err);
    OffsetMap out;
    for (size_t i = 0; i < partitions.size(); ++i)
        if (q[i].offset >= 0) out[partitions[i]] = q[i].offset;
    return out;
}

Status Source::commit_offsets(const OffsetMap &offsets, const std::string &metadata) {
    if (!supports_groups()) return groups_unsupported();
    const auto c = to_c(offsets);
    ss_error err = empty_error();
    if (const ss_status st = member_->commit_offsets(handle_, c.data(), c.size(), kStride, metadata.c_str(), &err);
        st != SS_OK)
        return fail(st, err);
    return ok_status();
}

Result<std::string> Source::group_metadata() {
    if (!supports_groups()) return groups_unsupported();
    ss_error err = empty_error();
    size_t size = 0;
    if (const ss_status st = member_->group_metadata(handle_, nullptr, 0, &size, &err); st != SS_OK)
        return fail(st, err);
    std::string out(size, '\0');
    if (const ss_status st = member_->group_metadata(handle_, out.data(), out.size(), &size, &err); st != SS_OK)
        return fail(st, err);
    out.resize(std::min(size, out.size()));
    return out;
}

Status Source::subscribe(const std::vector<std::string> &topics, RebalanceFn on_rebalance, void *ctx) {
    if (!consumer_) return missing("group consumption (ss_consumer_api), which receiver mode needs");
    const auto names = c_strings(topics);
    rebalance_.fn = on_rebalance;
    rebalance_.ctx = ctx;
    ss_error err = empty_error();
    if (const ss_status st =
            consumer_->subscribe(handle_, names.data(), names.size(), &Source::adapt_rebalance, &rebalance_, &err);
        st != SS_OK)
        return fail(st, err);
    subscribed_ = true;
    return ok_status();
}

Source::ReadOutcome Source::poll(std::chrono::milliseconds timeout, size_t max_records, RecordsFn fn, void *ctx) {
    if (!consumer_) return {SS_ERR_UNSUPPORTED, missing("group consumption (ss_consumer_api)")};
    ss_error err = empty_error();
    adapter_.fn = fn;
    adapter_.ctx = ctx;
    const ss_status st =
        consumer_->poll(handle_, timeout_ms(timeout), max_records, &Source::adapt_records, &adapter_, &err);
    return outcome(st, err);
}

Status Source::start_assigned_at(const OffsetMap &positions) {
    if (positions.empty()) return ok_status();
    if (!consumer_ || !consumer_->start_assigned_at)
        return Error(ErrorKind::PluginLoad,
                     "the source connector cannot start partitions where the application says (its consumer has no "
                     "start_assigned_at)",
                     plugin_->path().string(), "use the streamsubmit-kafka plugin of this streamsubmit version");
    const auto c = to_c(positions);
    ss_error err = empty_error();
    if (const ss_status st = consumer_->start_assigned_at(handle_, c.data(), c.size(), kStride, &err); st != SS_OK)
        return fail(st, err);
    return ok_status();
}

namespace {
std::vector<ss_topic_partition> partitions_to_c(const std::vector<TopicPartition> &partitions) {
    std::vector<ss_topic_partition> out;
    out.reserve(partitions.size());
    for (const auto &tp : partitions) out.push_back({tp.topic.c_str(), tp.partition, -1});
    return out;
}
} // namespace

Status Source::pause(const std::vector<TopicPartition> &partitions) {
    const auto c = partitions_to_c(partitions);
    if (!consumer_) return missing("group consumption (ss_consumer_api)");
    ss_error err = empty_error();
    if (const ss_status st = consumer_->pause(handle_, c.data(), c.size(), kStride, &err); st != SS_OK)
        return fail(st, err);
    return ok_status();
}

Status Source::resume(const std::vector<TopicPartition> &partitions) {
    const auto c = partitions_to_c(partitions);
    if (!consumer_) return missing("group consumption (ss_consumer_api)");
    ss_error err = empty_error();
    if (const ss_status st = consumer_->resume(handle_, c.data(), c.size(), kStride, &err); st != SS_OK)
        return fail(st, err);
    return ok_status();
}

bool Source::supports_streams() const {
    return consumer_ && SS_HAS_FIELD(ss_consumer_api, consumer_, poll_stream) && consumer_->route_assigned &&
           consumer_->poll_stream;
}

Status Source::use_streams(int count) {
    if (!supports_streams())
        return missing("streams (ss_consumer_api.route_assigned and poll_stream, ABI 2.1)");
    while (stream_adapters_.size() < static_cast<size_t>(count)) stream_adapters_.push_back(std::make_unique<RecordAdapter>());
    return ok_status();
}

Status Source::route_assigned(const std::vector<TopicPartition> &partitions, int stream) {
    if (partitions.empty()) return ok_status();
    if (!supports_streams()) return missing("streams (ss_consumer_api.route_assigned, ABI 2.1)");
    const auto c = partitions_to_c(partitions);
    ss_error err = empty_error();
    if (const ss_status st = consumer_->route_assigned(handle_, c.data(), c.size(), kStride, stream, &err); st != SS_OK)
        return fail(st, err);
    return ok_status();
}

Source::ReadOutcome Source::poll_stream(int stream, std::chrono::milliseconds timeout, size_t max_records, RecordsFn fn,
                                        void *ctx) {
    if (stream < 0 || static_cast<size_t>(stream) >= stream_adapters_.size())
        return {SS_ERR_UNSUPPORTED, Error(ErrorKind::Runtime, fmt::format("stream {} was not opened (use_streams)", stream))};
    RecordAdapter &a = *stream_adapters_[static_cast<size_t>(stream)];
    a.fn = fn;
    a.ctx = ctx;
    ss_error err = empty_error();
    const ss_status st = consumer_->poll_stream(handle_, stream, timeout_ms(timeout), max_records,
                                                &Source::adapt_records, &a, &err);
    if (a.failure) {
        ReadOutcome out{SS_ERR_INTERNAL, std::move(*a.failure)};
        a.failure.reset();
        return out;
    }
    if (st == SS_OK) return {};
    return {st, fail(st, err)};
}

RecordLease Source::retain_stream_records(int stream) {
    if (!consumer_ || !SS_HAS_FIELD(ss_consumer_api, consumer_, release_records) || !consumer_->retain_records ||
        !consumer_->release_records)
        return {};
    ss_record_lease *lease = consumer_->retain_records(handle_, stream);
    if (!lease) return {};
    return RecordLease(consumer_->release_records, handle_, lease, leases_out_);
}

} // namespace streamsubmit::runtime
