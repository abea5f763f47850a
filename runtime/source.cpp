#include "runtime/source.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace streamsubmit::runtime {
namespace {

int timeout_ms(std::chrono::milliseconds t) { return static_cast<int>(t.count()); }

// The records of a 1.0 plugin end where 1.1 added struct_size.
constexpr size_t kRecordSizeAbi10 = offsetof(ss_record, struct_size);

std::vector<ss_topic_partition> to_c(const OffsetMap &offsets) {
    std::vector<ss_topic_partition> out;
    out.reserve(offsets.size());
    for (const auto &[tp, offset] : offsets) out.push_back({tp.topic.c_str(), tp.partition, offset});
    return out;
}

} // namespace

void log_from_plugin(void *ctx, ss_log_level level, const char *message) noexcept {
    try {
        const auto &diagnostics = *static_cast<const Diagnostics *>(ctx);
        if (!diagnostics) return;
        const LogLevel mapped = level == SS_LOG_ERROR  ? LogLevel::Error
                                : level == SS_LOG_WARN ? LogLevel::Warn
                                : level == SS_LOG_INFO ? LogLevel::Info
                                                       : LogLevel::Debug;
        diagnostics(mapped, message ? message : "");
    } catch (...) { // a message that cannot be written (stderr gone, no memory) is dropped
    }
}

int Source::adapt_records(void *ctx, const ss_record *records, size_t count) noexcept {
    auto &a = *static_cast<RecordAdapter *>(ctx);
    if (count == 0) return 0;
    const size_t stride = a.plugin_minor == 0 ? kRecordSizeAbi10 : records->struct_size;
    if (stride == sizeof(ss_record)) return a.fn(a.ctx, records, count);
    try {
        a.converted.resize(count);
    } catch (...) {
        return 1; // stops the read with SS_ERR_INTERRUPTED; the batch fails and is re-run
    }
    const size_t copied = std::min(stride, sizeof(ss_record));
    for (size_t i = 0; i < count; ++i) {
        ss_record &r = a.converted[i];
        r = ss_record{};
        std::memcpy(&r, reinterpret_cast<const char *>(records) + i * stride, copied);
        r.struct_size = sizeof(ss_record);
        if (copied < offsetof(ss_record, header_size) + sizeof(size_t)) {
            r.timestamp_type = SS_TIMESTAMP_NOT_AVAILABLE;
            r.headers = nullptr;
            r.header_count = 0;
            r.header_size = sizeof(ss_header);
        }
    }
    return a.fn(a.ctx, a.converted.data(), count);
}

namespace {
Error error_of(ss_status status, const ss_error &err) {
    const std::string message = err.message[0] ? err.message : "unknown error";
    switch (status) {
    case SS_ERR_CONFIG:
        return Error(ErrorKind::Usage, message, "", "fix or remove the kafka.* setting it names");
    case SS_ERR_UNREACHABLE:
        return Error(ErrorKind::Kafka, "cannot reach Kafka: " + message, "",
                     "check --bootstrap-servers and that the brokers are running")
            .set_retriable();
    case SS_ERR_UNKNOWN_TOPIC:
        return Error(ErrorKind::Kafka, message, "", "create the topic, or correct --topics");
    case SS_ERR_OFFSET_OUT_OF_RANGE:
        return Error(ErrorKind::Kafka, message, "",
                     "set stream.failOnDataLoss=false to continue from the earliest available offset");
    case SS_ERR_TIMEOUT:
    case SS_ERR_BROKER_TRANSIENT:
        return Error(ErrorKind::Kafka, message, "", "check the brokers' health and logs").set_retriable();
    case SS_ERR_BROKER:
        return Error(ErrorKind::Kafka, message, "", "check the brokers' health and logs");
    case SS_ERR_FENCED:
        return Error(ErrorKind::Kafka, message, "",
                     "another member of the consumer group owns these partitions now; this instance's batch was not "
                     "committed");
    case SS_ERR_AUTHENTICATION:
        return Error(ErrorKind::Kafka, message, "",
                     "check --conf kafka.sasl.username and kafka.sasl.password (or their env:/file: sources) and "
                     "kafka.sasl.mechanism against the broker's listener");
    case SS_ERR_TLS:
        return Error(ErrorKind::Kafka, message, "",
                     "give the CA that signed the broker's certificate with --conf kafka.ssl.ca.location=FILE, and "
                     "connect with a host name the certificate names");
    case SS_ERR_REBALANCED:
        return Error(ErrorKind::Kafka, message, "",
                     "the consumer group rebalanced while the batch ran; its partitions are planned again")
            .set_retriable();
    case SS_ERR_INTERRUPTED: return Error(ErrorKind::Interrupted, message);
    case SS_ERR_UNSUPPORTED:
        return Error(ErrorKind::PluginLoad, message, "", "use a plugin version that implements this call");
    case SS_OK:
    case SS_ERR_INTERNAL: break;
    }
    return Error(ErrorKind::Runtime, message, "", "report this as a bug in the plugin");
}

Cause cause_of(ss_status status) {
    switch (status) {
    case SS_ERR_UNKNOWN_TOPIC: return Cause::UnknownTopic;
    case SS_ERR_OFFSET_OUT_OF_RANGE: return Cause::OffsetOutOfRange;
    case SS_ERR_FENCED: return Cause::Fenced;
    case SS_ERR_REBALANCED: return Cause::Rebalanced;
    case SS_ERR_INTERRUPTED: return Cause::Interrupted;
    case SS_ERR_TIMEOUT: return Cause::Timeout;
    case SS_ERR_UNREACHABLE: return Cause::Unreachable;
    default: return Cause::None;
    }
}
} // namespace

Error source_error(ss_status status, const ss_error &err) { return error_of(status, err).set_cause(cause_of(status)); }

Result<std::unique_ptr<Source>> Source::create(PluginPtr plugin, const ConnectorConf &conf,
                                               Diagnostics diagnostics) {
    const ss_source_api *api = plugin->source_api();
    if (!api)
        return Error(ErrorKind::PluginLoad, fmt::format("plugin '{}' is not a source connector", plugin->name()),
                     plugin->path().string(), "load a source connector plugin such as streamsubmit-kafka.so");
    std::vector<ss_kv> kv;
    kv.reserve(conf.size());
    for (const auto &[k, v] : conf) kv.push_back({k.c_str(), v.c_str()});
    auto diag = std::make_unique<Diagnostics>(std::move(diagnostics));
    ss_source_create_params params{sizeof(ss_source_create_params), kv.data(), kv.size(), &log_from_plugin,
                                   diag.get()};
    ss_error err{};
    ss_source *handle = api->create(&params, &err);
    if (!handle) return source_error(err.status == SS_OK ? SS_ERR_INTERNAL : err.status, err);
    return std::unique_ptr<Source>(new Source(std::move(plugin), handle, std::move(diag)));
}

Source::~Source() { api_->destroy(handle_); }

void Source::interrupt() { api_->interrupt(handle_); }

Result<std::vector<TopicPartition>> Source::list_partitions(const std::vector<std::string> &topics,
                                                            const std::string &pattern,
                                                            std::chrono::milliseconds timeout) {
    std::vector<const char *> names;
    for (const auto &t : topics) names.push_back(t.c_str());
    struct Found {
        std::vector<TopicPartition> partitions;
        bool out_of_memory = false;
    } found;
    ss_error err{};
    const ss_status st = api_->list_partitions(
        handle_, pattern.empty() ? names.data() : nullptr, names.size(), pattern.empty() ? nullptr : pattern.c_str(),
        timeout_ms(timeout),
        [](void *ctx, const char *topic, int32_t partition) noexcept {
            auto &f = *static_cast<Found *>(ctx);
            try {
                f.partitions.push_back({topic ? topic : "", partition});
            } catch (...) {
                f.out_of_memory = true;
            }
        },
        &found, &err);
    if (st != SS_OK) return fail(st, err);
    if (found.out_of_memory) return Error(ErrorKind::Runtime, "out of memory while listing partitions");
    return std::move(found.partitions);
}

Result<WatermarkMap> Source::query_watermarks(const std::vector<TopicPartition> &partitions,
                                              std::chrono::milliseconds timeout) {
    std::vector<ss_watermarks> q;
    q.reserve(partitions.size());
    for (const auto &tp : partitions) q.push_back({tp.topic.c_str(), tp.partition, -1, -1});
    ss_error err{};
    if (const ss_status st = api_->query_watermarks(handle_, q.data(), q.size(), timeout_ms(timeout), &err);
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
    ss_error err{};
    if (const ss_status st = api_->offsets_for_times(handle_, q.data(), q.size(), timeout_ms(timeout), &err);
        st != SS_OK)
        return fail(st, err);
    OffsetMap out;
    for (size_t i = 0; i < partitions.size(); ++i) out[partitions[i]] = q[i].offset;
    return out;
}

Source::ReadOutcome Source::read_ranges(const std::vector<OffsetRange> &ranges, ss_records_fn fn, void *ctx) {
    std::vector<ss_offset_range> c;
    c.reserve(ranges.size());
    for (const auto &r : ranges) c.push_back({r.tp.topic.c_str(), r.tp.partition, r.from, r.until});
    ss_error err{};
    adapter_.fn = fn;
    adapter_.ctx = ctx;
    const ss_status st = api_->read_ranges(handle_, c.data(), c.size(), &Source::adapt_records, &adapter_, &err);
    if (st == SS_OK) return {};
    return {st, fail(st, err)};
}

Status Source::commit_offsets(const OffsetMap &offsets) {
    const auto c = to_c(offsets);
    ss_error err{};
    if (const ss_status st = api_->commit_offsets(handle_, c.data(), c.size(), &err); st != SS_OK)
        return fail(st, err);
    return ok_status();
}

bool Source::supports_groups() const {
    // Optional calls: a plugin may leave them NULL.
    return api_->struct_size >= offsetof(ss_source_api, group_metadata) + sizeof(void *) && api_->join_group &&
           api_->committed_offsets && api_->commit_offsets_with_metadata && api_->group_metadata;
}

namespace {
Error groups_unsupported() {
    return Error(ErrorKind::PluginLoad, "the Kafka plugin has no group coordination (it was built for a plugin ABI before 1.2)",
                 "stream.kafka.coordination=group", "use the streamsubmit-kafka plugin of this streamsubmit version");
}
} // namespace

Status Source::join_group(const std::vector<std::string> &topics, ss_rebalance_fn on_rebalance, void *ctx) {
    if (!supports_groups()) return groups_unsupported();
    std::vector<const char *> names;
    for (const auto &t : topics) names.push_back(t.c_str());
    ss_error err{};
    if (const ss_status st = api_->join_group(handle_, names.data(), names.size(), on_rebalance, ctx, &err);
        st != SS_OK)
        return fail(st, err);
    return ok_status();
}

Result<OffsetMap> Source::committed_offsets(const std::vector<TopicPartition> &partitions,
                                            std::chrono::milliseconds timeout) {
    if (!supports_groups()) return groups_unsupported();
    std::vector<ss_topic_partition> q;
    q.reserve(partitions.size());
    for (const auto &tp : partitions) q.push_back({tp.topic.c_str(), tp.partition, -1});
    ss_error err{};
    if (const ss_status st = api_->committed_offsets(handle_, q.data(), q.size(), timeout_ms(timeout), &err);
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
    ss_error err{};
    if (const ss_status st = api_->commit_offsets_with_metadata(handle_, c.data(), c.size(), metadata.c_str(), &err);
        st != SS_OK)
        return fail(st, err);
    return ok_status();
}

Result<std::string> Source::group_metadata() {
    if (!supports_groups()) return groups_unsupported();
    ss_error err{};
    size_t size = 0;
    if (const ss_status st = api_->group_metadata(handle_, nullptr, 0, &size, &err); st != SS_OK) return fail(st, err);
    std::string out(size, '\0');
    if (const ss_status st = api_->group_metadata(handle_, out.data(), out.size(), &size, &err); st != SS_OK)
        return fail(st, err);
    out.resize(std::min(size, out.size()));
    return out;
}

Status Source::subscribe(const std::vector<std::string> &topics, ss_rebalance_fn on_rebalance, void *ctx) {
    std::vector<const char *> names;
    for (const auto &t : topics) names.push_back(t.c_str());
    ss_error err{};
    if (const ss_status st = api_->subscribe(handle_, names.data(), names.size(), on_rebalance, ctx, &err); st != SS_OK)
        return fail(st, err);
    return ok_status();
}

Source::ReadOutcome Source::poll(std::chrono::milliseconds timeout, size_t max_records, ss_records_fn fn, void *ctx) {
    ss_error err{};
    adapter_.fn = fn;
    adapter_.ctx = ctx;
    const ss_status st = api_->poll(handle_, timeout_ms(timeout), max_records, &Source::adapt_records, &adapter_, &err);
    if (st == SS_OK) return {};
    return {st, fail(st, err)};
}

Status Source::start_assigned_at(const OffsetMap &positions) {
    if (positions.empty()) return ok_status();
    if (api_->struct_size < offsetof(ss_source_api, start_assigned_at) + sizeof(void *) || !api_->start_assigned_at)
        return Error(ErrorKind::PluginLoad,
                     "the Kafka plugin cannot start partitions where the application says (it was built for a plugin "
                     "ABI before 1.5)",
                     plugin_->path().string(), "use the streamsubmit-kafka plugin of this streamsubmit version");
    const auto c = to_c(positions);
    ss_error err{};
    if (const ss_status st = api_->start_assigned_at(handle_, c.data(), c.size(), &err); st != SS_OK)
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
    ss_error err{};
    if (const ss_status st = api_->pause(handle_, c.data(), c.size(), &err); st != SS_OK) return fail(st, err);
    return ok_status();
}

Status Source::resume(const std::vector<TopicPartition> &partitions) {
    const auto c = partitions_to_c(partitions);
    ss_error err{};
    if (const ss_status st = api_->resume(handle_, c.data(), c.size(), &err); st != SS_OK) return fail(st, err);
    return ok_status();
}

} // namespace streamsubmit::runtime
