#include "schema_values.h"

#include "avro_objects.h"

#include "schema/decoder_settings.h"

#include <string_view>

namespace py = pybind11;

namespace streamsubmit::python {

bool SchemaDecodeFailure::record_fault() const {
    using schema::DecodeErrorKind;
    return error.kind != DecodeErrorKind::RegistryUnreachable && error.kind != DecodeErrorKind::RegistryRefused;
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
