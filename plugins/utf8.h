// Whether bytes are well-formed UTF-8: the Unicode standard's table 3-7 (no overlong forms, no
// surrogates, nothing above U+10FFFF), which is what Python's strict utf-8 codec accepts. Shared
// by the plugins (header-only, as plugins take nothing of common/): the sinks' JSON format writes
// a key or value as a string only when it is UTF-8, the Python plugin refuses a record its utf8
// decoder cannot take.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace streamsubmit {

inline bool utf8_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

inline bool is_utf8(const void *data, size_t len) {
    const auto *s = static_cast<const unsigned char *>(data);
    size_t i = 0;
    while (i < len) {
        // Eight ASCII bytes at a time: record values are mostly ASCII.
        if (i + 8 <= len) {
            uint64_t word;
            std::memcpy(&word, s + i, 8);
            if ((word & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        const unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        // The second byte's range depends on the first (table 3-7); the rest are 80..BF.
        unsigned char low = 0x80, high = 0xBF;
        size_t n;
        if (c >= 0xC2 && c <= 0xDF) n = 2;
        else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            if (c == 0xE0) low = 0xA0;
            if (c == 0xED) high = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            if (c == 0xF0) low = 0x90;
            if (c == 0xF4) high = 0x8F;
        } else
            return false;
        if (i + n > len || s[i + 1] < low || s[i + 1] > high) return false;
        for (size_t k = 2; k < n; ++k)
            if (!utf8_continuation(s[i + k])) return false;
        i += n;
    }
    return true;
}

} // namespace streamsubmit
