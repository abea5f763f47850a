#include "schema/module.h"

namespace streamsubmit::schema {
namespace {

std::shared_ptr<const RecordDecoder> make(const std::vector<std::pair<std::string, std::string>> &format_conf,
                                          std::optional<SettingsError> &error) {
    const SettingLookup value = [&](const char *key) -> std::optional<std::string_view> {
        for (const auto &[k, v] : format_conf)
            if (k == key) return std::string_view(v);
        return std::nullopt;
    };
    DecoderSettings settings;
    if ((error = read_formats(value, "the job", settings))) return nullptr;
    if (settings.key == Format::Bytes && settings.value == Format::Bytes) return nullptr;
    const std::string formatted = settings.value != Format::Bytes ? "stream.value.format" : "stream.key.format";
    if ((error = read_registry(value, "the job", formatted, settings.registry))) return nullptr;
    return std::make_shared<const RecordDecoder>(std::move(settings));
}

std::optional<DecodeError> decode(const RecordDecoder &decoder, Format format, const void *data, size_t len,
                                  std::string &json, int32_t &schema_id) {
    return decoder.decode(format, data, len, json, schema_id);
}

const ModuleApi kApi = {sizeof(ModuleApi), make, decode, format_name};

} // namespace
} // namespace streamsubmit::schema

extern "C" __attribute__((visibility("default"))) const streamsubmit::schema::ModuleApi *streamsubmit_schema_module() {
    return &streamsubmit::schema::kApi;
}
