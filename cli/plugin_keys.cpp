#include "cli/plugin_keys.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

namespace streamsubmit::cli {
namespace {

KeyType key_type(ss_key_type type) {
    switch (type) {
    case SS_KEY_INT: return KeyType::Int;
    case SS_KEY_BOOL: return KeyType::Bool;
    case SS_KEY_DURATION: return KeyType::Duration;
    case SS_KEY_ENUM: return KeyType::Enum;
    case SS_KEY_DOUBLE: return KeyType::Double;
    case SS_KEY_STRING: break;
    }
    return KeyType::String;
}

constexpr std::string_view kSinkPrefix = "streamsubmit-sink-";
constexpr std::string_view kSuffix = ".so";

} // namespace

std::vector<DeclaredKey> declared_keys(const runtime::Plugin &plugin, const std::string &prefix,
                                       const std::string &owner) {
    std::vector<DeclaredKey> out;
    for (const auto &k : plugin.config_keys())
        out.push_back({prefix + k.name, key_type(k.type), k.default_value.value_or(""), k.choices, k.doc,
                       fmt::format("{} {}", owner, plugin.version()), k.required, k.sensitive});
    return out;
}

Status apply_source_defaults(Config &config, const runtime::Plugin &plugin, const std::string &owner,
                             const runtime::Diagnostics &diagnostics) {
    for (const auto &[key, value] : plugin.source_defaults()) {
        if (!key.starts_with("kafka."))
            return Error(ErrorKind::PluginLoad,
                         fmt::format("{} asks for a default of '{}', which is not a connector key (kafka.*)", owner,
                                     key),
                         plugin.path().string(), "fix the plugin's source_defaults, or use another version of it");
        if (config.find(key)) continue; // set by the user, in any layer
        if (auto st = config.set(key, value, ConfigSource::Application,
                                 fmt::format("{} {}", plugin.name(), plugin.version()));
            !st)
            return Error(ErrorKind::PluginLoad,
                         fmt::format("{} asks for {} = {}, which is refused: {}", owner, key, value, st.error().what),
                         plugin.path().string(), "fix the plugin's source_defaults, or use another version of it");
        diagnostics(runtime::LogLevel::Debug,
                    fmt::format("{} = {}: the default of {} (set the key to choose another value)", key, value, owner));
    }
    return ok_status();
}

std::vector<std::string> bundled_sink_names() {
    std::set<std::string> names;
    for (const auto &dir : runtime::plugin_search_dirs()) {
        std::error_code ec;
        for (const auto &entry : std::filesystem::directory_iterator(dir, ec)) {
            const std::string file = entry.path().filename().string();
            if (file.starts_with(kSinkPrefix) && file.ends_with(kSuffix) &&
                file.size() > kSinkPrefix.size() + kSuffix.size())
                names.insert(file.substr(kSinkPrefix.size(), file.size() - kSinkPrefix.size() - kSuffix.size()));
        }
    }
    return {names.begin(), names.end()};
}

std::vector<DeclaredKey> bundled_sink_keys() {
    std::vector<DeclaredKey> out;
    for (const auto &name : bundled_sink_names()) {
        auto plugin = runtime::load_bundled_plugin("sink-" + name);
        if (!plugin) continue;
        auto keys = declared_keys(**plugin, "sink." + name + ".", name + " sink");
        out.insert(out.end(), std::make_move_iterator(keys.begin()), std::make_move_iterator(keys.end()));
    }
    return out;
}

std::string sink_keys_help() {
    std::string out = "Sink keys (set with --conf, for the sink chosen with --sink NAME):\n";
    for (const auto &key : bundled_sink_keys()) {
        std::string meta(key.choices.empty() ? key_type_name(key.type) : key.choices);
        if (!key.default_value.empty()) meta += ", default " + key.default_value;
        if (key.required) meta += ", required";
        out += fmt::format("  {} ({})\n      {}\n", key.name, meta, key.description);
    }
    return out;
}

} // namespace streamsubmit::cli
