// Decodes a record's key or value in the format the job names (stream.key.format,
// stream.value.format): schema registry formats become JSON text with their schema id.
// One per job, shared by the reader threads: schemas are fetched once per id (SchemaCache).
#pragma once

#include "avro_decoder.h"
#include "protobuf_decoder.h"
#include "decode_error.h"
#include "registry_client.h"
#include "schema_cache.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace streamsubmit::schema {

enum class Format { Bytes, Avro, Protobuf, JsonSchema };

// "bytes", "avro", "protobuf", "json-schema"; nothing for another name.
std::optional<Format> parse_format(std::string_view name);
std::string_view format_name(Format format);

struct DecoderSettings {
    Format key = Format::Bytes;
    Format value = Format::Bytes;
    RegistrySettings registry;
};

class RecordDecoder {
public:
    explicit RecordDecoder(DecoderSettings settings);

    Format key_format() const { return settings_.key; }
    Format value_format() const { return settings_.value; }

    // Appends the JSON of `data` (a key or value in `format`, not Bytes) to `json` and sets
    // `schema_id`; or says why it cannot. `typed_floats`: Protobuf's float and double fields
    // always as JSON floats, for callers that build typed objects (protobuf_float_fields.h).
    std::optional<DecodeError> decode(Format format, const void *data, size_t len, std::string &json,
                                      int32_t &schema_id, bool typed_floats = false) const;

    // An Avro key or value handed to `use` as a view (valid during the call) instead of
    // JSON, for callers that build their own objects; sets `schema_id` as decode does.
    std::optional<DecodeError> visit_avro(const void *data, size_t len, const std::function<void(const AvroView &)> &use,
                                          int32_t &schema_id) const;

private:
    // The decoder of schema `id`: cached, or fetched once.
    SchemaCache<AvroDecoder>::Loaded avro_decoder(int32_t id) const;
    std::optional<DecodeError> decode_avro(int32_t id, const unsigned char *payload, size_t len,
                                           std::string &json) const;
    std::optional<DecodeError> decode_protobuf(int32_t id, const unsigned char *payload, size_t len,
                                               std::string &json, bool typed_floats) const;
    std::optional<DecodeError> decode_json(int32_t id, const unsigned char *payload, size_t len,
                                           std::string &json) const;

    DecoderSettings settings_;
    RegistryClient client_;
    mutable SchemaCache<AvroDecoder> avro_;
    mutable SchemaCache<ProtobufDecoder> protobuf_;
    mutable SchemaCache<RegisteredSchema> json_;
};

} // namespace streamsubmit::schema
