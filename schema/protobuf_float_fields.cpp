#include "protobuf_float_fields.h"

#include <google/protobuf/descriptor.h>

#include <set>
#include <string>

namespace streamsubmit::schema {
namespace pb = google::protobuf;
namespace {

bool is_float(const pb::FieldDescriptor &f) {
    return f.cpp_type() == pb::FieldDescriptor::CPPTYPE_FLOAT || f.cpp_type() == pb::FieldDescriptor::CPPTYPE_DOUBLE;
}

// FloatValue and DoubleValue are written as their bare number.
bool is_float_wrapper(const pb::Descriptor &type) {
    return type.full_name() == "google.protobuf.FloatValue" || type.full_name() == "google.protobuf.DoubleValue";
}

// The other well-known types have JSON forms of their own (strings, objects of any shape).
bool is_well_known(const pb::Descriptor &type) { return type.file()->name().starts_with("google/protobuf/"); }

void make_float(nlohmann::ordered_json &number) {
    if (number.is_number_integer()) number = number.get<double>();
}

// A value of field `f` (one item of a repeated field): a number, or a message.
void value(nlohmann::ordered_json &v, const pb::FieldDescriptor &f) {
    if (is_float(f)) return make_float(v);
    if (f.cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) return;
    const pb::Descriptor &type = *f.message_type();
    if (is_float_wrapper(type)) return make_float(v);
    if (!is_well_known(type) && v.is_object()) floats_as_floats(v, type);
}

bool has_floats(const pb::Descriptor &type, std::set<const pb::Descriptor *> &seen) {
    if (!seen.insert(&type).second) return false; // recursive types: looked at already
    for (int i = 0; i < type.field_count(); ++i) {
        const pb::FieldDescriptor &f = *type.field(i);
        if (is_float(f)) return true;
        if (f.cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
        const pb::Descriptor &inner = *f.message_type();
        if (is_float_wrapper(inner) || (!is_well_known(inner) && has_floats(inner, seen))) return true;
    }
    return false;
}

} // namespace

void floats_as_floats(nlohmann::ordered_json &message, const pb::Descriptor &type) {
    for (int i = 0; i < type.field_count(); ++i) {
        const pb::FieldDescriptor &f = *type.field(i);
        auto it = message.find(f.json_name());
        if (it == message.end()) continue;
        if (f.is_map()) {
            if (!it->is_object()) continue;
            const pb::FieldDescriptor &map_value = *f.message_type()->map_value();
            for (auto &[key, v] : it->items()) value(v, map_value);
        } else if (f.is_repeated()) {
            if (!it->is_array()) continue;
            for (auto &v : *it) value(v, f);
        } else {
            value(*it, f);
        }
    }
}

bool has_float_fields(const pb::Descriptor &type) {
    std::set<const pb::Descriptor *> seen;
    return has_floats(type, seen);
}

} // namespace streamsubmit::schema
