#include "app_params.h"

namespace streamsubmit::sinks {
namespace {

KeyValues copy_kvs(const ss_kv *kvs, size_t count, size_t stride) {
    KeyValues out;
    if (!kvs) return out;
    out.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        const ss_kv *kv = ss_const_at(ss_kv, kvs, stride, i);
        out.emplace_back(kv->key ? kv->key : "", kv->value ? kv->value : "");
    }
    return out;
}

} // namespace

HostLog::HostLog(const ss_host_api *host) {
    if (host && SS_HAS_FIELD(ss_host_api, host, log_ctx)) {
        fn_ = host->log;
        ctx_ = host->log_ctx;
    }
}

AppParams AppParams::read(const ss_app_params &p) {
    AppParams out;
    if (SS_HAS_FIELD(ss_app_params, &p, conf_stride)) out.conf = copy_kvs(p.conf, p.conf_count, p.conf_stride);
    if (SS_HAS_FIELD(ss_app_params, &p, arg_count) && p.args)
        for (size_t i = 0; i < p.arg_count; ++i) out.args.emplace_back(p.args[i] ? p.args[i] : "");
    if (SS_HAS_FIELD(ss_app_params, &p, host)) {
        out.log = HostLog(p.host);
        out.host = p.host;
    }
    if (SS_HAS_FIELD(ss_app_params, &p, dead_letter_topic) && p.dead_letter_topic)
        out.dead_letter_topic = p.dead_letter_topic;
    if (SS_HAS_FIELD(ss_app_params, &p, max_parallelism) && p.max_parallelism > 0)
        out.max_parallelism = p.max_parallelism;
    if (SS_HAS_FIELD(ss_app_params, &p, mode) && p.mode) out.mode = p.mode;
    if (SS_HAS_FIELD(ss_app_params, &p, group_coordinated)) out.group_coordinated = p.group_coordinated != 0;
    if (SS_HAS_FIELD(ss_app_params, &p, batch_interval_ms) && p.batch_interval_ms > 0)
        out.batch_interval_ms = p.batch_interval_ms;
    if (SS_HAS_FIELD(ss_app_params, &p, source_conf_stride))
        out.source_conf = copy_kvs(p.source_conf, p.source_conf_count, p.source_conf_stride);
    if (SS_HAS_FIELD(ss_app_params, &p, format_conf_stride))
        out.format_conf = copy_kvs(p.format_conf, p.format_conf_count, p.format_conf_stride);
    return out;
}

std::optional<std::string_view> AppParams::find(const KeyValues &kvs, std::string_view key) {
    for (const auto &[k, v] : kvs)
        if (k == key) return std::string_view(v);
    return std::nullopt;
}

} // namespace streamsubmit::sinks
