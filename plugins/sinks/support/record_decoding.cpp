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

// The host that takes a rejected record: when the job tolerates them (the host's
// stream.errors.tolerance, in format_conf) and offers reject (ABI 2.2). Null otherwise.
const ss_host_api *reject_host(const AppParams &params) {
    if (params.format_value("stream.errors.tolerance").value_or("none") != "all") return nullptr;
    return ss_host_can_reject(params.host) ? params.host : nullptr;
}

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
    out.rejects_to_ = reject_host(params);
    return {};
}

SinkError RecordDecoding::decode(const ss_batch &batch, const ss_record &r, DecodedFields &fields) const {
    fields.key = fields.value = fields.rejected = false;
    if (!decoder_) return {};
    const auto one = [&](schema::Format format, const void *data, size_t len, const char *what, bool &decoded,
                         std::string &json, int32_t &id) -> SinkError {
        // A null key or value (a tombstone) has no format: it stays null.
        if (format == schema::Format::Bytes || !data) return {};
        json.clear();
        id = -1; // until the header gave one
        if (auto e = decoder_->decode(format, data, len, json, id))
            return refuse(batch, r,
                          "cannot decode the " + std::string(what) + " of " + where(r) +
                              (id >= 0 ? " (schema id " + std::to_string(id) + ")" : "") + " as " +
                              std::string(schema::format_name(format)) + ": " + e->message,
                          schema::kind_name(e->kind), schema::is_record_fault(e->kind), e->hint, fields);
        decoded = true;
        return {};
    };
    if (auto e = one(decoder_->key_format(), r.key, r.key_len, "key", fields.key, fields.key_json,
                     fields.key_schema_id))
        return e;
    if (fields.rejected) return {};
    return one(decoder_->value_format(), r.value, r.value_len, "value", fields.value, fields.value_json,
               fields.value_schema_id);
}

SinkError RecordDecoding::refuse(const ss_batch &batch, const ss_record &r, const std::string &why,
                                 const char *error_class, bool record_fault, const std::string &hint,
                                 DecodedFields &fields) const {
    // A registry that does not answer (or refuses the job) is no fault of the record: the
    // batch fails, so that no record that could be decoded later reaches the dead letters.
    if (!record_fault || !rejects_to_) return {SS_ERR_BAD_RECORD, why, hint};
    ss_error err = SS_ERROR_INIT;
    const ss_status st =
        rejects_to_->reject(rejects_to_->reject_ctx, &batch, &r, SS_STAGE_DECODE, error_class, why.c_str(), &err);
    if (st == SS_OK) {
        fields.rejected = true;
        return {};
    }
    // Past stream.errors.maxPerBatch: the host's refusal fails the batch (exit 8).
    return {st, err.message, err.hint};
}

} // namespace streamsubmit::sinks
