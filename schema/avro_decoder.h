// An Avro schema from the registry, and the decoding of its binary payloads by avro-c, written
// in Avro's JSON encoding (avro_json.h). Immutable once made: reader threads decode with it
// at once.
#pragma once

#include "avro_json.h"
#include "decode_error.h"
#include "registry_client.h"

#include <memory>
#include <optional>
#include <string>
#include <variant>

struct avro_obj_t;

namespace streamsubmit::schema {

class AvroDecoder {
public:
    // The schema of id `id` with its references (schemas defining named types that it uses).
    static std::variant<std::shared_ptr<const AvroDecoder>, DecodeError> create(const ResolvedSchema &schema,
                                                                                 int32_t id);
    ~AvroDecoder();
    AvroDecoder(const AvroDecoder &) = delete;
    AvroDecoder &operator=(const AvroDecoder &) = delete;

    // Appends the JSON encoding of the payload to `out`, or says why it is not a value of
    // the schema (PayloadMismatch: truncated, or bytes left over).
    std::optional<DecodeError> decode(const unsigned char *payload, size_t len, std::string &out) const;

private:
    AvroDecoder(avro_obj_t *schema, int32_t id);
    avro_obj_t *schema_; // with the referenced schemas in place
    AvroJsonWriter writer_;
    int32_t id_;
};

} // namespace streamsubmit::schema
