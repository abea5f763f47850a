// What went wrong while decoding a record of a schema registry format, as a value: the
// sink (or any other caller) adds where the record was (topic, partition, offset) and turns
// it into its own error. Kept free of the host's common/ library: plugins link this.
#pragma once

#include <string>

namespace streamsubmit::schema {

enum class DecodeErrorKind {
    BadHeader,           // no magic byte, or shorter than the wire format's header
    PayloadMismatch,     // the payload is not a value of its schema (truncated, trailing bytes)
    UnknownSchema,       // the registry does not know the id
    RegistryUnreachable, // no URL answered within schema.registry.request.timeout
    RegistryRefused,     // an answer that retrying will not change (401, 403, other 4xx, bad JSON)
    UnsupportedSchema,   // a schema of another type than the format, or one the library refuses
};

struct DecodeError {
    DecodeErrorKind kind;
    std::string message; // says what, naming the schema id and the URL where they matter
    std::string hint;    // what the user can do
};

} // namespace streamsubmit::schema
