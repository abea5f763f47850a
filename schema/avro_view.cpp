#include "avro_view.h"

#include <avro.h>

namespace streamsubmit::schema {
namespace {

void check(int rc, const char *what) {
    if (rc != 0) {
        const char *e = avro_strerror();
        throw AvroReadError(std::string("avro-c cannot read ") + what + ": " + (e && *e ? e : "unknown error"));
    }
}

AvroKind kind_of(avro_type_t type) {
    switch (type) {
    case AVRO_NULL: return AvroKind::Null;
    case AVRO_BOOLEAN: return AvroKind::Boolean;
    case AVRO_INT32: return AvroKind::Int;
    case AVRO_INT64: return AvroKind::Long;
    case AVRO_FLOAT: return AvroKind::Float;
    case AVRO_DOUBLE: return AvroKind::Double;
    case AVRO_STRING: return AvroKind::String;
    case AVRO_BYTES: return AvroKind::Bytes;
    case AVRO_FIXED: return AvroKind::Fixed;
    case AVRO_ENUM: return AvroKind::Enum;
    case AVRO_RECORD: return AvroKind::Record;
    case AVRO_ARRAY: return AvroKind::Array;
    case AVRO_MAP: return AvroKind::Map;
    case AVRO_UNION:
    case AVRO_LINK: break;
    }
    throw AvroReadError("avro-c gave a value of an unexpected type");
}

} // namespace

AvroView::AvroView(const avro_value_t &value, avro_obj_t *schema, const AvroLogicalTypes &types)
    : AvroView(value, schema, types, nullptr, 0) {}

AvroView::AvroView(const avro_value_t &value, avro_obj_t *schema, const AvroLogicalTypes &types,
                   const avro_obj_t *parent, int index)
    : value_(value), schema_(resolve_avro_link(schema)), types_(&types) {
    if (!schema_) throw AvroReadError("avro-c gave a value without a schema");
    if (is_avro_union(schema_)) { // seen as its branch, annotated by its place in the union
        int discriminant = 0;
        avro_value_t branch;
        check(avro_value_get_discriminant(&value_, &discriminant), "a union's branch");
        check(avro_value_get_current_branch(&value_, &branch), "a union's branch");
        parent = schema_;
        index = discriminant;
        value_ = branch;
        schema_ = resolve_avro_link(avro_schema_union_branch(schema_, discriminant));
        if (!schema_) throw AvroReadError("avro-c gave a union branch without a schema");
    }
    kind_ = kind_of(avro_typeof(schema_));
    logical_ = &types.at(parent, index, schema_);
}

bool AvroView::boolean() const {
    int b = 0;
    check(avro_value_get_boolean(&value_, &b), "a boolean");
    return b != 0;
}

int32_t AvroView::int32() const {
    int32_t v = 0;
    check(avro_value_get_int(&value_, &v), "an int");
    return v;
}

int64_t AvroView::int64() const {
    int64_t v = 0;
    check(avro_value_get_long(&value_, &v), "a long");
    return v;
}

float AvroView::float32() const {
    float v = 0;
    check(avro_value_get_float(&value_, &v), "a float");
    return v;
}

double AvroView::float64() const {
    double v = 0;
    check(avro_value_get_double(&value_, &v), "a double");
    return v;
}

std::string_view AvroView::string() const {
    if (kind_ == AvroKind::Enum) {
        int index = 0;
        check(avro_value_get_enum(&value_, &index), "an enum");
        const char *symbol = avro_schema_enum_get(schema_, index);
        if (!symbol) throw AvroReadError("an enum's index " + std::to_string(index) + " names no symbol");
        return symbol;
    }
    const char *s = nullptr;
    size_t size = 0; // with its NUL
    check(avro_value_get_string(&value_, &s, &size), "a string");
    return {s, size > 0 ? size - 1 : 0};
}

std::string_view AvroView::bytes() const {
    const void *p = nullptr;
    size_t size = 0;
    if (kind_ == AvroKind::Fixed)
        check(avro_value_get_fixed(&value_, &p, &size), "a fixed");
    else
        check(avro_value_get_bytes(&value_, &p, &size), "bytes");
    return {static_cast<const char *>(p), size};
}

size_t AvroView::size() const {
    size_t n = 0;
    check(avro_value_get_size(&value_, &n), "a record's, array's or map's size");
    return n;
}

AvroView AvroView::child(size_t i, std::string_view *name) const {
    avro_value_t part;
    const char *part_name = nullptr;
    check(avro_value_get_by_index(&value_, i, &part, &part_name), "a record's, array's or map's part");
    if (name) *name = part_name ? std::string_view(part_name) : std::string_view();
    switch (kind_) {
    case AvroKind::Record:
        return AvroView(part, avro_schema_record_field_get_by_index(schema_, static_cast<int>(i)), *types_, schema_,
                        static_cast<int>(i));
    case AvroKind::Array: return AvroView(part, avro_schema_array_items(schema_), *types_, schema_, 0);
    case AvroKind::Map: return AvroView(part, avro_schema_map_values(schema_), *types_, schema_, 0);
    default: throw AvroReadError("a value without parts was asked for one");
    }
}

} // namespace streamsubmit::schema
