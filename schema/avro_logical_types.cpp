#include "avro_logical_types.h"

#include <avro.h>
#include <nlohmann/json.hpp>

namespace streamsubmit::schema {

avro_obj_t *resolve_avro_link(avro_obj_t *schema) {
    while (schema && is_avro_link(schema)) schema = avro_schema_link_target(schema);
    return schema;
}

namespace {

// The logical type `name` on an underlying avro-c type, or None where it does not fit.
AvroLogicalKind kind_of(const std::string &name, avro_type_t type) {
    const bool is_int = type == AVRO_INT32, is_long = type == AVRO_INT64;
    if (name == "decimal" && (type == AVRO_BYTES || type == AVRO_FIXED)) return AvroLogicalKind::Decimal;
    if (name == "date" && is_int) return AvroLogicalKind::Date;
    if (name == "time-millis" && is_int) return AvroLogicalKind::TimeMillis;
    if (name == "time-micros" && is_long) return AvroLogicalKind::TimeMicros;
    if (name == "timestamp-millis" && is_long) return AvroLogicalKind::TimestampMillis;
    if (name == "timestamp-micros" && is_long) return AvroLogicalKind::TimestampMicros;
    if (name == "local-timestamp-millis" && is_long) return AvroLogicalKind::LocalTimestampMillis;
    if (name == "local-timestamp-micros" && is_long) return AvroLogicalKind::LocalTimestampMicros;
    if (name == "uuid" && type == AVRO_STRING) return AvroLogicalKind::Uuid;
    return AvroLogicalKind::None;
}

int int_of(const nlohmann::json &node, const char *key) {
    const auto it = node.find(key);
    return it != node.end() && it->is_number_integer() ? it->get<int>() : 0;
}

} // namespace

// Walks the JSON document and avro-c's schema side by side (avro-c keeps fields, branches,
// items and values in the document's order).
class LogicalWalk {
public:
    explicit LogicalWalk(AvroLogicalTypes &out) : out_(out) {}

    void type(const nlohmann::json &node, avro_obj_t *schema, const avro_obj_t *parent, int index) {
        schema = resolve_avro_link(schema);
        if (!schema) return;
        if (node.is_array()) { // a union
            if (!is_avro_union(schema)) return;
            for (size_t i = 0; i < node.size() && i < avro_schema_union_size(schema); ++i)
                type(node[i], avro_schema_union_branch(schema, static_cast<int>(i)), schema, static_cast<int>(i));
            return;
        }
        if (!node.is_object()) return; // a name: defined, with its annotations, where it first appears
        const auto t = node.find("type");
        if (t == node.end()) return;
        if (!t->is_string()) return type(*t, schema, parent, index); // {"type": {...}} or {"type": [...]}
        annotate(node, schema, parent, index);
        const std::string name = t->get<std::string>();
        if ((name == "record" || name == "error") && is_avro_record(schema) && node.contains("fields")) {
            const auto &fields = node["fields"];
            for (size_t i = 0; i < fields.size() && i < avro_schema_record_size(schema); ++i)
                if (fields[i].is_object() && fields[i].contains("type"))
                    type(fields[i]["type"], avro_schema_record_field_get_by_index(schema, static_cast<int>(i)), schema,
                         static_cast<int>(i));
        } else if (name == "array" && is_avro_array(schema) && node.contains("items")) {
            type(node["items"], avro_schema_array_items(schema), schema, 0);
        } else if (name == "map" && is_avro_map(schema) && node.contains("values")) {
            type(node["values"], avro_schema_map_values(schema), schema, 0);
        }
    }

private:
    void annotate(const nlohmann::json &node, avro_obj_t *schema, const avro_obj_t *parent, int index) {
        const auto l = node.find("logicalType");
        if (l == node.end() || !l->is_string()) return;
        AvroLogical logical{kind_of(l->get<std::string>(), avro_typeof(schema)), int_of(node, "precision"),
                            int_of(node, "scale")};
        if (logical.kind == AvroLogicalKind::None) return;
        out_.annotations_[{parent, index}] = logical;
        if (is_avro_named_type(schema)) out_.annotations_[{schema, -1}] = logical; // a fixed, named again later
    }

    AvroLogicalTypes &out_;
};

AvroLogicalTypes AvroLogicalTypes::of(const std::string &document, avro_obj_t *schema) {
    AvroLogicalTypes out;
    if (document.find("logicalType") == std::string::npos) return out;
    const auto json = nlohmann::json::parse(document, nullptr, false);
    if (json.is_discarded()) return out;
    LogicalWalk(out).type(json, schema, nullptr, 0);
    return out;
}

const AvroLogical &AvroLogicalTypes::at(const avro_obj_t *parent, int index, const avro_obj_t *self) const {
    static const AvroLogical none;
    if (annotations_.empty()) return none;
    if (auto it = annotations_.find({self, -1}); it != annotations_.end()) return it->second;
    if (auto it = annotations_.find({parent, index}); it != annotations_.end()) return it->second;
    return none;
}

} // namespace streamsubmit::schema
