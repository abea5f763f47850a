#include "avro_json.h"

#include <avro.h>

#include <charconv>
#include <cmath>
#include <cstdint>

namespace streamsubmit::schema {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_control(std::string &out, unsigned char c) {
    switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    default: {
        const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(u, 6);
    }
    }
}

// Bytes as code points U+0000-U+00FF, in UTF-8.
void append_byte_string(std::string &out, const unsigned char *p, size_t n) {
    out.push_back('"');
    for (size_t i = 0; i < n; ++i) {
        const unsigned char c = p[i];
        if (c < 0x20 || c == '"' || c == '\\')
            append_control(out, c);
        else if (c < 0x80)
            out.push_back(static_cast<char>(c));
        else {
            out.push_back(static_cast<char>(0xC0 | (c >> 6)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        }
    }
    out.push_back('"');
}

template <class T>
void append_number(std::string &out, T v) {
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, static_cast<size_t>(res.ptr - buf));
}

void append_double(std::string &out, double v) {
    if (std::isnan(v)) {
        out += "\"NaN\"";
    } else if (std::isinf(v)) {
        out += v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    } else {
        const size_t start = out.size();
        append_number(out, v);
        // A whole double stays a double to a typed reader: 2.0, not 2.
        if (out.find_first_of(".e", start) == std::string::npos) out += ".0";
    }
}

// The name of a union branch: a named type's full name, otherwise its type name.
std::string branch_name(avro_schema_t schema) {
    const char *name = avro_schema_type_name(schema);
    if (is_avro_named_type(schema)) {
        const char *space = avro_schema_namespace(schema);
        if (space && *space) return std::string(space) + "." + name;
    }
    return name;
}

bool append_container(const avro_value_t *value, std::string &out, bool object) {
    size_t n = 0;
    if (avro_value_get_size(value, &n) != 0) return false;
    out.push_back(object ? '{' : '[');
    for (size_t i = 0; i < n; ++i) {
        avro_value_t child;
        const char *name = nullptr;
        if (avro_value_get_by_index(value, i, &child, &name) != 0) return false;
        if (i > 0) out.push_back(',');
        if (object) {
            append_json_string(out, name ? name : "", name ? std::char_traits<char>::length(name) : 0);
            out.push_back(':');
        }
        if (!append_avro_json(&child, out)) return false;
    }
    out.push_back(object ? '}' : ']');
    return true;
}

} // namespace

void append_json_string(std::string &out, const char *text, size_t len) {
    out.push_back('"');
    size_t run = 0; // the common string has nothing to escape: copied in one go
    for (size_t i = 0; i < len; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(text + run, i - run);
        append_control(out, c);
        run = i + 1;
    }
    out.append(text + run, len - run);
    out.push_back('"');
}

bool append_avro_json(const avro_value_t *value, std::string &out) {
    switch (avro_value_get_type(value)) {
    case AVRO_NULL: out += "null"; return true;
    case AVRO_BOOLEAN: {
        int b = 0;
        if (avro_value_get_boolean(value, &b) != 0) return false;
        out += b ? "true" : "false";
        return true;
    }
    case AVRO_INT32: {
        int32_t v = 0;
        if (avro_value_get_int(value, &v) != 0) return false;
        append_number(out, v);
        return true;
    }
    case AVRO_INT64: {
        int64_t v = 0;
        if (avro_value_get_long(value, &v) != 0) return false;
        append_number(out, v);
        return true;
    }
    case AVRO_FLOAT: {
        float v = 0;
        if (avro_value_get_float(value, &v) != 0) return false;
        append_double(out, static_cast<double>(v));
        return true;
    }
    case AVRO_DOUBLE: {
        double v = 0;
        if (avro_value_get_double(value, &v) != 0) return false;
        append_double(out, v);
        return true;
    }
    case AVRO_STRING: {
        const char *s = nullptr;
        size_t size = 0; // with its NUL
        if (avro_value_get_string(value, &s, &size) != 0) return false;
        append_json_string(out, s, size > 0 ? size - 1 : 0);
        return true;
    }
    case AVRO_BYTES: {
        const void *p = nullptr;
        size_t size = 0;
        if (avro_value_get_bytes(value, &p, &size) != 0) return false;
        append_byte_string(out, static_cast<const unsigned char *>(p), size);
        return true;
    }
    case AVRO_FIXED: {
        const void *p = nullptr;
        size_t size = 0;
        if (avro_value_get_fixed(value, &p, &size) != 0) return false;
        append_byte_string(out, static_cast<const unsigned char *>(p), size);
        return true;
    }
    case AVRO_ENUM: {
        int index = 0;
        if (avro_value_get_enum(value, &index) != 0) return false;
        const char *symbol = avro_schema_enum_get(avro_value_get_schema(value), index);
        if (!symbol) return false;
        append_json_string(out, symbol, std::char_traits<char>::length(symbol));
        return true;
    }
    case AVRO_RECORD:
    case AVRO_MAP: return append_container(value, out, true);
    case AVRO_ARRAY: return append_container(value, out, false);
    case AVRO_UNION: {
        avro_value_t branch;
        if (avro_value_get_current_branch(value, &branch) != 0) return false;
        if (avro_value_get_type(&branch) == AVRO_NULL) {
            out += "null";
            return true;
        }
        out.push_back('{');
        const std::string name = branch_name(avro_value_get_schema(&branch));
        append_json_string(out, name.data(), name.size());
        out.push_back(':');
        if (!append_avro_json(&branch, out)) return false;
        out.push_back('}');
        return true;
    }
    case AVRO_LINK: break; // a value never has a link's type: avro-c resolves links
    }
    return false;
}

} // namespace streamsubmit::schema
