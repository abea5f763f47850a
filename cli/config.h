// Effective configuration: every value with the layer it came from.
// Precedence: command-line option > --conf > properties file > the application's connector
// defaults (ABI 2.4 source_defaults) > table default.
#pragma once

#include "cli/config_table.h"
#include "common/error.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace streamsubmit::cli {

enum class ConfigSource { Default = 0, Application = 1, PropertiesFile = 2, ConfFlag = 3, CommandLine = 4 };

std::string_view config_source_name(ConfigSource source);

struct ConfigValue {
    std::string value;
    ConfigSource source = ConfigSource::Default;
    std::string origin; // the properties file's path, or the application, when that is the source
};

class Config {
public:
    // Checks the key against the table and the value against the key's type.
    // A value from a weaker layer never replaces one from a stronger layer.
    Status set(const std::string &key, const std::string &value, ConfigSource source,
               const std::string &origin = {});

    // The value, or the table default, or nullopt when neither is set.
    std::optional<std::string> get(std::string_view key) const;
    // stream.mode as set, else its default: which of a key's defaults apply (ConfigKey::default_for).
    std::string mode() const;
    const ConfigValue *find(std::string_view key) const;

    std::string get_string(std::string_view key) const;
    int64_t get_int(std::string_view key) const;
    double get_double(std::string_view key) const;
    bool get_bool(std::string_view key) const;
    std::chrono::milliseconds get_duration(std::string_view key) const;
    std::vector<std::string> get_list(std::string_view key) const;

    // Every explicitly set key starting with `prefix`, prefix stripped.
    std::vector<std::pair<std::string, std::string>> with_prefix(std::string_view prefix) const;
    // The same, plus the defaults of declared keys left unset: what a plugin's create gets.
    std::vector<std::pair<std::string, std::string>> with_prefix_and_defaults(std::string_view prefix) const;

    // Table keys (with defaults), declared keys (with defaults) and set passthrough keys, sorted.
    std::vector<std::pair<std::string, ConfigValue>> effective() const;

    // Keys a plugin declares under `prefix` ("sink.files."): every value set under the prefix
    // must be one of them and of its type; with `enforce_required`, required ones must be
    // set. Their defaults then count as set by the table.
    Status declare(const std::string &prefix, std::vector<DeclaredKey> keys, bool enforce_required);
    const DeclaredKey *find_declared(std::string_view key) const;

private:
    std::map<std::string, ConfigValue, std::less<>> values_;
    std::vector<DeclaredKey> declared_;
};

// Checks `value` against the key's type (Usage error naming the key and the fix).
Status check_value(const ConfigKey &key, const std::string &value);

// spark-defaults.conf style: "key value" or "key=value" per line, '#' comments.
Status load_properties_file(Config &config, const std::filesystem::path &path);

// "KEY=VALUE" as given to --conf.
Status apply_conf_flag(Config &config, const std::string &assignment);

Result<std::chrono::milliseconds> parse_duration(std::string_view text);

// The known key nearest to `unknown` by edit distance, or empty when none is close.
std::string nearest_key(std::string_view unknown);

// Secrets (passwords, tokens, keys) are shown as "*****".
bool is_secret_key(std::string_view key);

} // namespace streamsubmit::cli
