// The one table of configuration keys. --help, `streamsubmit config`, validation
// and the man page's CONFIGURATION section are all generated from it.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace streamsubmit::cli {

enum class KeyType { String, Int, Bool, Duration, List, Json, Enum, Double };

std::string_view key_type_name(KeyType type);

struct ConfigKey {
    std::string_view name;          // e.g. "stream.batchInterval"
    KeyType type;
    std::string_view default_value; // as text; empty = unset
    std::string_view flag;          // command-line option that sets it, e.g. "--batch-interval"; may be empty
    std::string_view description;   // one sentence, no trailing period
    std::string_view since;         // version that introduced it
    std::string_view choices = {};  // for Enum: "direct|receiver"
    // The default with stream.mode=receiver, where it differs from default_value (empty: the same).
    std::string_view receiver_default = {};
    // The default of this key in `mode` ("direct" or "receiver").
    std::string_view default_for(std::string_view mode) const {
        return mode == "receiver" && !receiver_default.empty() ? receiver_default : default_value;
    }
};

std::span<const ConfigKey> config_keys();

// A key that a plugin declares in its own table (ss_config_key), under the name the user
// writes (sink.files.dir), owning its text; view() reads it as a key of the table.
struct DeclaredKey {
    std::string name;
    KeyType type = KeyType::String;
    std::string default_value; // empty = unset
    std::string choices;
    std::string description;
    std::string owner; // "files sink 0.1.0": what declares it, shown where the table shows "since"
    bool required = false;
    bool sensitive = false;
    ConfigKey view() const { return ConfigKey{name, type, default_value, "", description, owner, choices}; }
};

// nullptr when `name` is not in the table. kafka.* keys are not listed one by one:
// they pass through to librdkafka, which validates them.
const ConfigKey *find_config_key(std::string_view name);

bool is_passthrough_key(std::string_view name);

} // namespace streamsubmit::cli
