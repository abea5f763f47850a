// The Avro logical types of a schema (decimal, date, time-*, timestamp-*, local-timestamp-*,
// uuid), which avro-c 1.11 parses and then forgets: read from the schema's JSON document and
// found again, while a value is walked, by where a type sits in avro-c's parsed schema.
// avro-c shares one schema object per primitive type, so a primitive's annotation is kept by
// its position (the record and field index, the union and branch, the array's items, the
// map's values); a named fixed's also by the fixed itself, which a later use names.
#pragma once

#include <map>
#include <string>
#include <utility>

struct avro_obj_t;

namespace streamsubmit::schema {

enum class AvroLogicalKind {
    None,
    Decimal,              // bytes or fixed: a two's-complement big-endian unscaled integer
    Date,                 // int: days since 1970-01-01
    TimeMillis,           // int: milliseconds after midnight
    TimeMicros,           // long: microseconds after midnight
    TimestampMillis,      // long: milliseconds since the epoch, UTC
    TimestampMicros,      // long: microseconds since the epoch, UTC
    LocalTimestampMillis, // long: milliseconds since the epoch, in no time zone
    LocalTimestampMicros, // long: microseconds since the epoch, in no time zone
    Uuid,                 // string
};

struct AvroLogical {
    AvroLogicalKind kind = AvroLogicalKind::None;
    int precision = 0, scale = 0; // decimal's
};

class AvroLogicalTypes {
public:
    // The annotations of `document` (the JSON text avro-c parsed into `schema`). A logical
    // type on a type it does not fit, or that is unknown, is ignored, as the specification says.
    static AvroLogicalTypes of(const std::string &document, avro_obj_t *schema);

    // The logical type of the type at child `index` of `parent` (nullptr and 0: the top level),
    // whose (link-resolved) schema is `self`.
    const AvroLogical &at(const avro_obj_t *parent, int index, const avro_obj_t *self) const;

    bool empty() const { return annotations_.empty(); }

private:
    friend class LogicalWalk;
    std::map<std::pair<const avro_obj_t *, int>, AvroLogical> annotations_;
};

// A link resolved to the schema it names; any other schema as it is.
avro_obj_t *resolve_avro_link(avro_obj_t *schema);

} // namespace streamsubmit::schema
