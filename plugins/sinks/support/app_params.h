// What a sink keeps of ss_app_params. The host's struct may be smaller than this build's (an
// older host of the same ABI major): only the fields inside its struct_size are read, the
// others keep the defaults below. Strings are copied, since params lives only during create.
#pragma once

#include <streamsubmit/plugin.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace streamsubmit::sinks {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// The host's log, callable from any thread until destroy; a no-op when the host offers none.
class HostLog {
public:
    HostLog() = default;
    explicit HostLog(const ss_host_api *host);
    void operator()(ss_log_level level, const std::string &message) const {
        if (fn_) fn_(ctx_, level, message.c_str());
    }

private:
    ss_log_fn fn_ = nullptr;
    void *ctx_ = nullptr;
};

struct AppParams {
    KeyValues conf;        // the sink's own keys, prefix stripped, defaults filled in by the host
    std::vector<std::string> args;
    HostLog log;
    int32_t max_parallelism = 1;
    std::string mode;               // "direct" or "receiver"; empty when the host does not say
    bool group_coordinated = false; // stream.kafka.coordination=group
    int64_t batch_interval_ms = 0;  // 0 when the host does not say
    KeyValues source_conf;          // the job's connector keys (kafka.* without "kafka.")
    KeyValues format_conf;          // stream.key.format, stream.value.format, schema.registry.* (full names)
    // ABI 2.2: stream.errors.deadletterqueue.topic (empty: none, or an older host).
    std::string dead_letter_topic;
    // The host's table, valid until destroy (the reject call: ss_host_can_reject).
    const ss_host_api *host = nullptr;

    static AppParams read(const ss_app_params &params);

    // The value of `key` in conf, or in source_conf; nothing when absent.
    std::optional<std::string_view> value(std::string_view key) const { return find(conf, key); }
    std::optional<std::string_view> source_value(std::string_view key) const { return find(source_conf, key); }
    std::optional<std::string_view> format_value(std::string_view key) const { return find(format_conf, key); }

private:
    static std::optional<std::string_view> find(const KeyValues &kvs, std::string_view key);
};

} // namespace streamsubmit::sinks
