#include "record_decoding.h"

#include "schema/decoder_settings.h"
#include "schema/record_decoder.h"

namespace streamsubmit::sinks {
namespace {

std::string where(const ss_record &r) {
    return std::string(r.topic ? r.topic : "?") + " partition " + std::to_string(r.partition) + " offset " +
           std::to_string(r.offset);
}

// The host's format_conf, read as every caller of schema/ reads it.
SinkError config_error(const schema::SettingsError &e) { return {SS_ERR_CONFIG, e.message, e.hint}; }

} // namespace

SinkError RecordDecoding::create(const AppParams &params, std::string_view sink_name, bool json_output,
                                 RecordDecoding &out) {
    const std::string sink(sink_name);
    const schema::SettingLookup value = [&](const char *key) { return params.format_value(key); };
    schema::DecoderSettings settings;
    if (auto e = schema::read_formats(value, sink + " sink", settings)) return config_error(*e);
    if (settings.key == schema::Format::Bytes && settings.value == schema::Format::Bytes) return {};
    const std::string formatted = settings.value != schema::Format::Bytes ? "stream.value.format" : "stream.key.format";
    if (!json_output)
        return {SS_ERR_CONFIG,
                sink + " sink: " + formatted + " decodes records into JSON, which only its json format writes",
                "set sink." + sink + ".format=json, or read the topic with " + formatted + "=bytes"};
    if (auto e = schema::read_registry(value, sink + " sink", formatted, settings.registry)) return config_error(*e);
    out.decoder_ = std::make_shared<const schema::RecordDecoder>(std::move(settings));
    return {};
}

SinkError RecordDecoding::decode(const ss_record &r, DecodedFields &fields) const {
    fields.key = fields.value = false;
    if (!decoder_) return {};
    const auto one = [&](schema::Format format, const void *data, size_t len, const char *what, bool &decoded,
                         std::string &json, int32_t &id) -> SinkError {
        // A null key or value (a tombstone) has no format: it stays null.
        if (format == schema::Format::Bytes || !data) return {};
        json.clear();
        id = -1; // until the header gave one
        if (auto e = decoder_->decode(format, data, len, json, id))
            return {SS_ERR_BAD_RECORD,
                    "cannot decode the " + std::string(what) + " of " + where(r) +
                        (id >= 0 ? " (schema id " + std::to_string(id) + ")" : "") + " as " +
                        std::string(schema::format_name(format)) + ": " + e->message,
                    e->hint};
        decoded = true;
        return {};
    };
    if (auto e = one(decoder_->key_format(), r.key, r.key_len, "key", fields.key, fields.key_json,
                     fields.key_schema_id))
        return e;
    return one(decoder_->value_format(), r.value, r.value_len, "value", fields.value, fields.value_json,
               fields.value_schema_id);
}

} // namespace streamsubmit::sinks
