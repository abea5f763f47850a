// A Protobuf schema from the registry (the .proto text, or a FileDescriptorProto in base64 as
// Confluent's Python serializer registers it), its references (imports) built first into one
// descriptor pool, and the decoding of payloads as dynamic messages written in proto3's
// canonical JSON mapping, all done by libprotobuf. Immutable once made: reader threads
// decode with it at once.
#pragma once

#include "decode_error.h"
#include "registry_client.h"

#include <memory>
#include <optional>
#include <string>
#include <variant>

namespace streamsubmit::schema {

class ProtobufDecoder {
public:
    static std::variant<std::shared_ptr<const ProtobufDecoder>, DecodeError> create(const ResolvedSchema &schema,
                                                                                     int32_t id);
    ~ProtobufDecoder();
    ProtobufDecoder(const ProtobufDecoder &) = delete;
    ProtobufDecoder &operator=(const ProtobufDecoder &) = delete;

    // `payload` starts with the message indexes (which message of the file), then the message.
    // `typed_floats`: float and double fields always as JSON floats (protobuf_float_fields.h).
    std::optional<DecodeError> decode(const unsigned char *payload, size_t len, std::string &out,
                                      bool typed_floats = false) const;

private:
    struct State;
    explicit ProtobufDecoder(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

} // namespace streamsubmit::schema
