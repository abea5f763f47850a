#include "decoder_settings.h"

#include <charconv>
#include <cstdint>

namespace streamsubmit::schema {

std::optional<SettingsError> read_formats(const SettingLookup &value, const std::string &who,
                                          DecoderSettings &settings) {
    const std::pair<const char *, Format *> keys[] = {{"stream.key.format", &settings.key},
                                                      {"stream.value.format", &settings.value}};
    for (auto [key, format] : keys) {
        const auto name = value(key).value_or("bytes");
        const auto parsed = parse_format(name);
        if (!parsed)
            return SettingsError{who + ": " + key + "=" + std::string(name) + " is not a format it knows",
                                 "use bytes, avro, protobuf or json-schema"};
        *format = *parsed;
    }
    return std::nullopt;
}

std::optional<SettingsError> read_registry(const SettingLookup &value, const std::string &who,
                                           const std::string &formatted, RegistrySettings &registry) {
    const auto text = [&](const char *key) { return std::string(value(key).value_or("")); };
    registry.urls = RegistrySettings::split_urls(text("schema.registry.url"));
    if (registry.urls.empty())
        return SettingsError{who + ": " + formatted + " needs a schema registry, and schema.registry.url is not set",
                             "set --conf schema.registry.url=http://HOST:PORT (for Apicurio Registry: "
                             "http://HOST:PORT/apis/ccompat/v7)"};
    registry.user_info = text("schema.registry.basic.auth.user.info");
    registry.ca_location = text("schema.registry.ssl.ca.location");
    const std::string ms = text("schema.registry.request.timeout"); // in milliseconds from the host
    int64_t timeout = 0;
    std::from_chars(ms.data(), ms.data() + ms.size(), timeout);
    if (timeout > 0) registry.timeout = std::chrono::milliseconds(timeout);
    return std::nullopt;
}

} // namespace streamsubmit::schema
