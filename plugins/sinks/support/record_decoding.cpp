#include "record_decoding.h"

#include "schema/record_decoder.h"

#include <charconv>

namespace streamsubmit::sinks {
namespace {

std::string where(const ss_record &r) {
    return std::string(r.topic ? r.topic : "?") + " partition " + std::to_string(r.partition) + " offset " +
           std::to_string(r.offset);
}

// stream.key.format and stream.value.format from the host (bytes when it does not say).
SinkError read_formats(const AppParams &params, const std::string &sink, schema::DecoderSettings &settings) {
    const std::pair<const char *, schema::Format *> keys[] = {{"stream.key.format", &settings.key},
                                                              {"stream.value.format", &settings.value}};
    for (auto [key, format] : keys) {
        const auto name = params.format_value(key).value_or("bytes");
        const auto parsed = schema::parse_format(name);
        if (!parsed)
            return {SS_ERR_CONFIG, sink + " sink: " + key + "=" + std::string(name) + " is not a format it knows",
                    "use bytes, avro, protobuf or json-schema"};
        *format = *parsed;
    }
    return {};
}

// The schema.registry.* keys; the URL is required.
SinkError read_registry(const AppParams &params, const std::string &sink, const std::string &formatted,
                        schema::RegistrySettings &registry) {
    const auto value = [&](const char *key) { return std::string(params.format_value(key).value_or("")); };
    registry.urls = schema::RegistrySettings::split_urls(value("schema.registry.url"));
    if (registry.urls.empty())
        return {SS_ERR_CONFIG,
                sink + " sink: " + formatted + " needs a schema registry, and schema.registry.url is not set",
                "set --conf schema.registry.url=http://HOST:PORT (for Apicurio Registry: "
                "http://HOST:PORT/apis/ccompat/v7)"};
    registry.user_info = value("schema.registry.basic.auth.user.info");
    registry.ca_location = value("schema.registry.ssl.ca.location");
    const std::string ms = value("schema.registry.request.timeout"); // in milliseconds from the host
    int64_t timeout = 0;
    std::from_chars(ms.data(), ms.data() + ms.size(), timeout);
    if (timeout > 0) registry.timeout = std::chrono::milliseconds(timeout);
    return {};
}

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
    schema::DecoderSettings settings;
    if (auto e = read_formats(params, sink, settings)) return e;
    if (settings.key == schema::Format::Bytes && settings.value == schema::Format::Bytes) return {};
    const std::string formatted = settings.value != schema::Format::Bytes ? "stream.value.format" : "stream.key.format";
    if (!json_output)
        return {SS_ERR_CONFIG,
                sink + " sink: " + formatted + " decodes records into JSON, which only its json format writes",
                "set sink." + sink + ".format=json, or read the topic with " + formatted + "=bytes"};
    if (auto e = read_registry(params, sink, formatted, settings.registry)) return e;
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
