#include "record_decoder.h"

#include "wire_format.h"

#include <nlohmann/json.hpp>

namespace streamsubmit::schema {

std::optional<Format> parse_format(std::string_view name) {
    if (name == "bytes") return Format::Bytes;
    if (name == "avro") return Format::Avro;
    if (name == "protobuf") return Format::Protobuf;
    if (name == "json-schema") return Format::JsonSchema;
    return std::nullopt;
}

std::string_view format_name(Format format) {
    switch (format) {
    case Format::Bytes: return "bytes";
    case Format::Avro: return "avro";
    case Format::Protobuf: return "protobuf";
    case Format::JsonSchema: return "json-schema";
    }
    return "bytes";
}

RecordDecoder::RecordDecoder(DecoderSettings settings) : settings_(settings), client_(std::move(settings.registry)) {}

std::optional<DecodeError> RecordDecoder::decode(Format format, const void *data, size_t len, std::string &json,
                                                 int32_t &schema_id, bool typed_floats) const {
    auto header = parse_wire_header(data, len);
    if (auto *e = std::get_if<DecodeError>(&header)) return *e;
    const auto &h = std::get<WireHeader>(header);
    schema_id = h.schema_id;
    switch (format) {
    case Format::Avro: return decode_avro(h.schema_id, h.payload, h.payload_len, json);
    case Format::JsonSchema: return decode_json(h.schema_id, h.payload, h.payload_len, json);
    case Format::Protobuf: return decode_protobuf(h.schema_id, h.payload, h.payload_len, json, typed_floats);
    case Format::Bytes: break;
    }
    return DecodeError{DecodeErrorKind::UnsupportedSchema,
                       "stream format " + std::string(format_name(format)) + " is not decoded by this version",
                       "read the topic with stream.value.format=bytes (stream.key.format for keys)"};
}

SchemaCache<AvroDecoder>::Loaded RecordDecoder::avro_decoder(int32_t id) const {
    return avro_.get(id, [&](int32_t id) -> SchemaCache<AvroDecoder>::Loaded {
        auto fetched = client_.fetch(id);
        if (auto *e = std::get_if<DecodeError>(&fetched)) return *e;
        auto made = AvroDecoder::create(std::get<ResolvedSchema>(fetched), id);
        if (auto *e = std::get_if<DecodeError>(&made)) return *e;
        return std::get<std::shared_ptr<const AvroDecoder>>(std::move(made));
    });
}

std::optional<DecodeError> RecordDecoder::decode_avro(int32_t id, const unsigned char *payload, size_t len,
                                                      std::string &json) const {
    auto decoder = avro_decoder(id);
    if (auto *e = std::get_if<DecodeError>(&decoder)) return *e;
    return std::get<SchemaCache<AvroDecoder>::Value>(decoder)->decode(payload, len, json);
}

std::optional<DecodeError> RecordDecoder::visit_avro(const void *data, size_t len,
                                                     const std::function<void(const AvroView &)> &use,
                                                     int32_t &schema_id) const {
    auto header = parse_wire_header(data, len);
    if (auto *e = std::get_if<DecodeError>(&header)) return *e;
    const auto &h = std::get<WireHeader>(header);
    schema_id = h.schema_id;
    auto decoder = avro_decoder(h.schema_id);
    if (auto *e = std::get_if<DecodeError>(&decoder)) return *e;
    return std::get<SchemaCache<AvroDecoder>::Value>(decoder)->visit(h.payload, h.payload_len, use);
}

std::optional<DecodeError> RecordDecoder::decode_protobuf(int32_t id, const unsigned char *payload, size_t len,
                                                          std::string &json, bool typed_floats) const {
    auto decoder = protobuf_.get(id, [&](int32_t id) -> SchemaCache<ProtobufDecoder>::Loaded {
        auto fetched = client_.fetch(id);
        if (auto *e = std::get_if<DecodeError>(&fetched)) return *e;
        auto made = ProtobufDecoder::create(std::get<ResolvedSchema>(fetched), id);
        if (auto *e = std::get_if<DecodeError>(&made)) return *e;
        return std::get<std::shared_ptr<const ProtobufDecoder>>(std::move(made));
    });
    if (auto *e = std::get_if<DecodeError>(&decoder)) return *e;
    return std::get<SchemaCache<ProtobufDecoder>::Value>(decoder)->decode(payload, len, json, typed_floats);
}

// JSON Schema: the payload is JSON text. It is checked to be JSON (not validated against the
// schema, which only the producer's serializer does) and written on one line.
std::optional<DecodeError> RecordDecoder::decode_json(int32_t id, const unsigned char *payload, size_t len,
                                                      std::string &json) const {
    auto schema = json_.get(id, [&](int32_t id) -> SchemaCache<RegisteredSchema>::Loaded {
        auto fetched = client_.fetch(id);
        if (auto *e = std::get_if<DecodeError>(&fetched)) return *e;
        auto &resolved = std::get<ResolvedSchema>(fetched);
        if (resolved.schema.type != "JSON")
            return DecodeError{DecodeErrorKind::UnsupportedSchema,
                               "schema id " + std::to_string(id) + " is a " + resolved.schema.type +
                                   " schema, not a JSON Schema",
                               "set stream.value.format (or stream.key.format) to the format the producer writes"};
        return std::make_shared<const RegisteredSchema>(std::move(resolved.schema));
    });
    if (auto *e = std::get_if<DecodeError>(&schema)) return *e;
    // In the producer's order of keys: ordered_json keeps it.
    const auto parsed = nlohmann::ordered_json::parse(payload, payload + len, nullptr, false);
    if (parsed.is_discarded())
        return DecodeError{DecodeErrorKind::PayloadMismatch,
                           "its payload (" + std::to_string(len) + " bytes) after the header of schema id " +
                               std::to_string(id) + " is not JSON text",
                           "check that the producer serializes with a JSON Schema serializer"};
    json += parsed.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    return std::nullopt;
}

} // namespace streamsubmit::schema
