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

// Whether the record itself is at fault: decoding it again can never succeed, so a job that
// tolerates rejected records (stream.errors.tolerance=all) rejects it (stage decode). The
// registry's faults are the job's: they fail the batch whatever the tolerance.
inline bool is_record_fault(DecodeErrorKind kind) {
    switch (kind) {
    case DecodeErrorKind::BadHeader:
    case DecodeErrorKind::PayloadMismatch:
    case DecodeErrorKind::UnknownSchema:
    case DecodeErrorKind::UnsupportedSchema: return true;
    case DecodeErrorKind::RegistryUnreachable:
    case DecodeErrorKind::RegistryRefused: break;
    }
    return false;
}

// The kind's name, e.g. "UnknownSchema": a rejected record's error class.
inline const char *kind_name(DecodeErrorKind kind) {
    switch (kind) {
    case DecodeErrorKind::BadHeader: return "BadHeader";
    case DecodeErrorKind::PayloadMismatch: return "PayloadMismatch";
    case DecodeErrorKind::UnknownSchema: return "UnknownSchema";
    case DecodeErrorKind::RegistryUnreachable: return "RegistryUnreachable";
    case DecodeErrorKind::RegistryRefused: return "RegistryRefused";
    case DecodeErrorKind::UnsupportedSchema: break;
    }
    return "UnsupportedSchema";
}

struct DecodeError {
    DecodeErrorKind kind;
    std::string message; // says what, naming the schema id and the URL where they matter
    std::string hint;    // what the user can do
};

} // namespace streamsubmit::schema
