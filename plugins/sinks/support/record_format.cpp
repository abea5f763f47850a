#include "record_format.h"

#include "plugins/utf8.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace streamsubmit::sinks {
namespace {

// Bytes that cannot appear unescaped in a JSON string: controls, '"' and '\'.
constexpr auto kNeedsEscape = [] {
    struct Table {
        bool v[256] = {};
    } t;
    for (int c = 0; c < 0x20; ++c) t.v[c] = true;
    t.v[static_cast<unsigned char>('"')] = true;
    t.v[static_cast<unsigned char>('\\')] = true;
    return t;
}();

constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighs = 0x8080808080808080ull;

// Whether any of 8 bytes is a control character, '"' or '\' (the bit tricks of "Bit Twiddling
// Hacks": a byte below n, a byte equal to c). The common value has none: 8 bytes per step.
bool any_needs_escape(uint64_t x) {
    const uint64_t below_space = (x - kOnes * 0x20) & ~x;
    const uint64_t quote = x ^ (kOnes * '"');
    const uint64_t backslash = x ^ (kOnes * '\\');
    return ((below_space | ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash)) & kHighs) != 0;
}

void append_escaped(std::string &out, const unsigned char *p, size_t n) {
    static constexpr char kHex[] = "0123456789abcdef";
    size_t run = 0; // bytes copied in one go: the common case is a string with nothing to escape
    for (size_t i = 0; i < n; ++i) {
        if (i + 8 <= n) {
            uint64_t chunk;
            std::memcpy(&chunk, p + i, 8);
            if (!any_needs_escape(chunk)) {
                i += 7;
                continue;
            }
        }
        const unsigned char c = p[i];
        if (!kNeedsEscape.v[c]) continue;
        out.append(reinterpret_cast<const char *>(p + run), i - run);
        run = i + 1;
        switch (c) {
        case '"': out.append("\\\"", 2); break;
        case '\\': out.append("\\\\", 2); break;
        case '\n': out.append("\\n", 2); break;
        case '\r': out.append("\\r", 2); break;
        case '\t': out.append("\\t", 2); break;
        case '\b': out.append("\\b", 2); break;
        case '\f': out.append("\\f", 2); break;
        default: {
            const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
            out.append(u, 6);
        }
        }
    }
    out.append(reinterpret_cast<const char *>(p + run), n - run);
}

void append_int(std::string &out, int64_t v) {
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, static_cast<size_t>(res.ptr - buf));
}

// A JSON string (quoted) when valid UTF-8, else a base64 string; returns whether it was base64.
bool append_bytes(std::string &out, const void *data, size_t len) {
    const auto *p = static_cast<const unsigned char *>(data);
    out.push_back('"');
    const bool utf8 = is_utf8(p, len);
    if (utf8)
        append_escaped(out, p, len);
    else
        append_base64(out, p, len);
    out.push_back('"');
    return !utf8;
}

} // namespace

void append_json_string(std::string &out, std::string_view text) {
    out.push_back('"');
    append_escaped(out, reinterpret_cast<const unsigned char *>(text.data()), text.size());
    out.push_back('"');
}

void append_base64(std::string &out, const unsigned char *p, size_t n) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const size_t start = out.size();
    out.resize(start + (n + 2) / 3 * 4);
    char *o = out.data() + start;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        const uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
        *o++ = kAlphabet[v >> 18];
        *o++ = kAlphabet[(v >> 12) & 63];
        *o++ = kAlphabet[(v >> 6) & 63];
        *o++ = kAlphabet[v & 63];
    }
    if (i < n) {
        const uint32_t v = (uint32_t{p[i]} << 16) | (i + 1 < n ? uint32_t{p[i + 1]} << 8 : 0);
        *o++ = kAlphabet[v >> 18];
        *o++ = kAlphabet[(v >> 12) & 63];
        *o++ = i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
}

std::string_view timestamp_type_name(int32_t type) {
    switch (type) {
    case SS_TIMESTAMP_CREATE_TIME: return "CreateTime";
    case SS_TIMESTAMP_LOG_APPEND_TIME: return "LogAppendTime";
    default: return "NoTimestampType";
    }
}

std::string json_record_prefix(const char *topic, int32_t partition) {
    std::string out = "{\"topic\":\"";
    append_escaped(out, reinterpret_cast<const unsigned char *>(topic), std::strlen(topic));
    out.append("\",\"partition\":", 14);
    append_int(out, partition);
    out.append(",\"offset\":", 10);
    return out;
}

void append_json_record(std::string &out, const ss_record &r, const DecodedFields *decoded) {
    append_json_record(out, r, json_record_prefix(r.topic, r.partition), decoded);
}

void append_json_record(std::string &out, const ss_record &r, std::string_view prefix, const DecodedFields *decoded) {
    out.append(prefix);
    append_int(out, r.offset);
    out.append(",\"timestamp\":", 13);
    append_int(out, r.timestamp_ms);
    out.append(",\"timestampType\":\"", 18);
    out.append(timestamp_type_name(r.timestamp_type));
    out.push_back('"');
    out.append(",\"key\":", 7);
    if (decoded && decoded->key) {
        out.append(decoded->key_json);
        out.append(",\"keySchemaId\":", 15);
        append_int(out, decoded->key_schema_id);
    } else {
        const bool key_b64 = r.key ? append_bytes(out, r.key, r.key_len) : (out.append("null", 4), false);
        if (key_b64) out.append(",\"keyEncoding\":\"base64\"", 23);
    }
    out.append(",\"value\":", 9);
    if (decoded && decoded->value) {
        out.append(decoded->value_json);
        out.append(",\"valueSchemaId\":", 17);
        append_int(out, decoded->value_schema_id);
    } else {
        const bool value_b64 = r.value ? append_bytes(out, r.value, r.value_len) : (out.append("null", 4), false);
        if (value_b64) out.append(",\"valueEncoding\":\"base64\"", 25);
    }
    out.append(",\"headers\":[", 12);
    for (size_t i = 0; i < r.header_count; ++i) {
        const ss_header &h = *ss_header_at(&r, i);
        if (i > 0) out.push_back(',');
        out.push_back('[');
        // Header names are strings in Kafka's protocol; one that is not UTF-8 is written as base64 text.
        const char *name = h.name ? h.name : "";
        append_bytes(out, name, std::strlen(name));
        out.push_back(',');
        const bool b64 = h.value ? append_bytes(out, h.value, h.value_len) : (out.append("null", 4), false);
        if (b64) out.append(",\"base64\"", 9);
        out.push_back(']');
    }
    out.append("]}\n", 3);
}

void append_raw_record(std::string &out, const ss_record &r, std::string_view delimiter) {
    if (r.value) out.append(static_cast<const char *>(r.value), r.value_len);
    out.append(delimiter);
}

std::string unescape(std::string_view text, std::string &error) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\') {
            out.push_back(text[i]);
            continue;
        }
        if (++i == text.size()) {
            error = "ends with a lone backslash";
            return {};
        }
        switch (text[i]) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case '0': out.push_back('\0'); break;
        case '\\': out.push_back('\\'); break;
        case 'x': {
            unsigned value = 0;
            const char *first = text.data() + i + 1;
            const char *last = text.data() + std::min(text.size(), i + 3);
            const auto res = std::from_chars(first, last, value, 16);
            if (res.ec != std::errc{} || res.ptr != last || last - first != 2) {
                error = "\\x needs two hex digits";
                return {};
            }
            out.push_back(static_cast<char>(value));
            i += 2;
            break;
        }
        default: error = std::string("unknown escape \\") + text[i]; return {};
        }
    }
    return out;
}

} // namespace streamsubmit::sinks
