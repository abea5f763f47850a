#include "schema_values.h"

#include "avro_objects.h"
#include "rejects.h"

#include "schema/decoder_settings.h"

#include <string_view>
#include <tuple>

namespace py = pybind11;

namespace streamsubmit::python {

bool SchemaDecodeFailure::record_fault() const {
    using schema::DecodeErrorKind;
    return error.kind != DecodeErrorKind::RegistryUnreachable && error.kind != DecodeErrorKind::RegistryRefused;
}

void reject_or_throw(const ss_host_api *host, const ss_batch &batch, const ss_record &r, const char *which,
                     schema::Format format, const SchemaDecodeFailure &f, ss_error *err) {
    const std::string why = "cannot decode the " + std::string(which) + " of " + std::string(r.topic) +
                            " partition " + std::to_string(r.partition) + " offset " + std::to_string(r.offset) +
                            (f.schema_id >= 0 ? " (schema id " + std::to_string(f.schema_id) + ")" : "") + " as " +
                            std::string(schema::format_name(format)) + ": " + f.error.message;
    if (f.record_fault() && ss_host_can_reject(host) &&
        reject(host, batch, r, SS_STAGE_DECODE, "SchemaDecodeError", why, err) == SS_OK)
        return;
    throw BadRecord(why, f.error.hint);
}

bool SchemaValues::check_decoders(const std::string &key_decoder, const std::string &value_decoder,
                                  std::string &message, std::string &hint) const {
    const std::tuple<const char *, schema::Format, const std::string &> fields[] = {{"key", key_, key_decoder},
                                                                                  {"value", value_, value_decoder}};
    for (const auto &[field, format, decoder] : fields) {
        if (format == schema::Format::Bytes || decoder == "utf8" || decoder.empty()) continue;
        const std::string format_key = std::string("stream.") + field + ".format";
        const std::string format_text = format_key + "=" + std::string(schema::format_name(format));
        message = "app.python." + std::string(field) + "Decoder=" + decoder + " and " + format_text +
                  " both decode the record's " + field;
        hint = "with " + format_text + " the " + field + " arrives decoded (pydoc streamsubmit): remove app.python." +
               field + "Decoder, or set " + format_key + "=bytes to decode it yourself";
        return false;
    }
    return true;
}

bool SchemaValues::make(const ss_app_params *p, SchemaValues &out, std::string &message, std::string &hint) {
    if (!SS_HAS_FIELD(ss_app_params, p, format_conf_stride) || !p->format_conf) return true; // bytes only
    const schema::SettingLookup value = [p](const char *key) -> std::optional<std::string_view> {
        for (size_t i = 0; i < p->format_conf_count; ++i) {
            const ss_kv *kv = ss_const_at(ss_kv, p->format_conf, p->format_conf_stride, i);
            if (kv->key && std::string_view(kv->key) == key) return std::string_view(kv->value ? kv->value : "");
        }
        return std::nullopt;
    };
    schema::DecoderSettings settings;
    auto fail = [&](const schema::SettingsError &e) {
        message = e.message;
        hint = e.hint;
        return false;
    };
    if (auto e = schema::read_formats(value, "the Python application", settings)) return fail(*e);
    out.key_ = settings.key;
    out.value_ = settings.value;
    if (settings.key == schema::Format::Bytes && settings.value == schema::Format::Bytes) return true;
    const std::string formatted = settings.value != schema::Format::Bytes ? "stream.value.format" : "stream.key.format";
    if (auto e = schema::read_registry(value, "the Python application", formatted, settings.registry)) return fail(*e);
    init_avro_objects();
    out.json_loads_ = py::module_::import("json").attr("loads");
    out.decoder_ = std::make_shared<const schema::RecordDecoder>(std::move(settings));
    return true;
}

py::object SchemaValues::from_json(const std::string &json) const {
    return json_loads_(py::str(json));
}

py::object SchemaValues::decode(schema::Format format, const void *data, size_t len, int32_t &schema_id) const {
    schema_id = -1; // until the header gives one
    std::optional<schema::DecodeError> error;
    py::object out;
    if (format == schema::Format::Avro) {
        // The registry is asked (once per id) with the GIL held: other threads wait only for
        // an id's first record.
        error = decoder_->visit_avro(data, len, [&](const schema::AvroView &v) { out = avro_object(v); }, schema_id);
    } else {
        std::string json;
        error = decoder_->decode(format, data, len, json, schema_id, /*typed_floats=*/true);
        if (!error) out = from_json(json);
    }
    if (error) throw SchemaDecodeFailure{std::move(*error), schema_id};
    return out;
}

} // namespace streamsubmit::python
