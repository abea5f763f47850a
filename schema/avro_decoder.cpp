#include "avro_decoder.h"

#include "avro_json.h"

#include <avro.h>


namespace streamsubmit::schema {
namespace {

std::string avro_error() {
    const char *e = avro_strerror();
    return e && *e ? e : "unknown avro-c error";
}

// The schema text avro-c parses. A schema with references uses named types defined in other
// schemas: avro-c resolves names within one document only, so the references' texts and
// the schema become the branches of one union, in that order (a later branch may use the
// names an earlier one defined), and the schema is its last branch.
std::string document_of(const ResolvedSchema &schema) {
    if (schema.references.empty()) return schema.schema.text;
    std::string doc = "[";
    for (const auto &[ref, referenced] : schema.references) doc += referenced.text + ",";
    return doc + schema.schema.text + "]";
}

} // namespace

std::variant<std::shared_ptr<const AvroDecoder>, DecodeError> AvroDecoder::create(const ResolvedSchema &schema,
                                                                                   int32_t id) {
    const std::string sid = "schema id " + std::to_string(id);
    if (schema.schema.type != "AVRO")
        return DecodeError{DecodeErrorKind::UnsupportedSchema,
                           sid + " is a " + schema.schema.type + " schema, not an Avro one",
                           "set stream.value.format (or stream.key.format) to the format the producer writes"};
    const std::string doc = document_of(schema);
    avro_schema_t parsed = nullptr;
    if (avro_schema_from_json_length(doc.data(), doc.size(), &parsed) != 0)
        return DecodeError{DecodeErrorKind::UnsupportedSchema,
                           "avro-c cannot parse the Avro schema of " + sid + ": " + avro_error(),
                           "check the schema in the registry"};
    avro_schema_t payload_schema = parsed;
    if (!schema.references.empty()) payload_schema = avro_schema_union_branch(parsed, schema.references.size());
    avro_value_iface_t *iface = payload_schema ? avro_generic_class_from_schema(payload_schema) : nullptr;
    if (!iface) {
        const std::string why = avro_error();
        avro_schema_decref(parsed);
        return DecodeError{DecodeErrorKind::UnsupportedSchema,
                           "avro-c cannot decode values of the Avro schema of " + sid + ": " + why,
                           "check the schema in the registry"};
    }
    return std::shared_ptr<const AvroDecoder>(new AvroDecoder(parsed, payload_schema, iface, id));
}

AvroDecoder::AvroDecoder(avro_obj_t *parsed, avro_obj_t *schema, avro_value_iface *iface, int32_t id)
    : parsed_(parsed), schema_(schema), iface_(iface), id_(id) {}

AvroDecoder::~AvroDecoder() {
    avro_value_iface_decref(iface_);
    avro_schema_decref(parsed_);
}

std::optional<DecodeError> AvroDecoder::decode(const unsigned char *payload, size_t len, std::string &out) const {
    const auto mismatch = [&](const std::string &why) {
        return DecodeError{DecodeErrorKind::PayloadMismatch,
                           "its payload (" + std::to_string(len) + " bytes) is not a value of schema id " +
                               std::to_string(id_) + ": " + why,
                           "check that the producer serializes with the schema it registered (a truncated or "
                           "corrupted record cannot be decoded)"};
    };
    avro_value_t value;
    if (avro_generic_value_new(iface_, &value) != 0) return mismatch(avro_error());
    avro_reader_t reader = avro_reader_memory(reinterpret_cast<const char *>(payload), static_cast<int64_t>(len));
    std::optional<DecodeError> error;
    if (avro_value_read(reader, &value) != 0) {
        error = mismatch(avro_error());
    } else {
        char extra;
        // avro-c's memory reader cannot tell its position: one more byte read means bytes were left over.
        if (avro_read(reader, &extra, 1) == 0) {
            error = mismatch("bytes are left over after the value");
        } else if (!append_avro_json(&value, out)) {
            error = mismatch(avro_error());
        }
    }
    avro_reader_free(reader);
    avro_value_decref(&value);
    return error;
}

} // namespace streamsubmit::schema
