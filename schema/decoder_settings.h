// The job's record formats and registry settings (stream.key.format, stream.value.format,
// schema.registry.*) from the keys the host hands an application (ss_app_params.format_conf),
// read the same way by every caller: the sinks and the Python application.
#pragma once

#include "record_decoder.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace streamsubmit::schema {

struct SettingsError {
    std::string message, hint;
};

// A key's value by its full name, nothing when the host did not give it.
using SettingLookup = std::function<std::optional<std::string_view>(const char *key)>;

// The two formats (bytes when not given); `who` starts the message ("files sink").
std::optional<SettingsError> read_formats(const SettingLookup &value, const std::string &who,
                                          DecoderSettings &settings);

// The schema.registry.* keys; the URL is required, for the format key named `formatted`.
std::optional<SettingsError> read_registry(const SettingLookup &value, const std::string &who,
                                           const std::string &formatted, RegistrySettings &registry);

} // namespace streamsubmit::schema
