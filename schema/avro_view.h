// A read-only view of a value that avro-c decoded, for callers that build their own objects
// from it (the Python application's dicts, lists and datetimes) instead of Avro's JSON
// encoding: the value's type with its logical type, and its parts. A union is seen as its
// chosen branch. Valid only inside the call that hands it over (AvroDecoder::visit).
#pragma once

#include "avro_logical_types.h"

#include <avro/basics.h>
#include <avro/value.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

namespace streamsubmit::schema {

// avro-c failed to read a part of the value: AvroDecoder::visit turns it into a PayloadMismatch.
struct AvroReadError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class AvroKind { Null, Boolean, Int, Long, Float, Double, String, Bytes, Fixed, Enum, Record, Array, Map };

class AvroView {
public:
    // The top-level value of a schema.
    AvroView(const avro_value_t &value, avro_obj_t *schema, const AvroLogicalTypes &types);

    AvroKind kind() const { return kind_; }
    const AvroLogical &logical() const { return *logical_; }

    bool boolean() const;
    int32_t int32() const;
    int64_t int64() const;
    float float32() const;
    double float64() const;
    std::string_view string() const; // a String's text, or an Enum's symbol
    std::string_view bytes() const;  // a Bytes' or a Fixed's content

    // A Record's fields, an Array's items, a Map's entries.
    size_t size() const;
    // Part `i`; `name` gets a field's name or a map entry's key.
    AvroView child(size_t i, std::string_view *name = nullptr) const;

private:
    AvroView(const avro_value_t &value, avro_obj_t *schema, const AvroLogicalTypes &types, const avro_obj_t *parent,
             int index);
    avro_value_t value_;
    avro_obj_t *schema_; // link-resolved
    const AvroLogicalTypes *types_;
    const AvroLogical *logical_;
    AvroKind kind_ = AvroKind::Null;
};

} // namespace streamsubmit::schema
