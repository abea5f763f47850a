#include "common/crc32c.h"

#include <array>
#include <bit>
#include <cstring>

namespace streamsubmit {
namespace {

constexpr uint32_t kPolynomial = 0x82F63B78u; // 0x1EDC6F41 bit-reversed

// table[k][b]: the CRC of byte b followed by k zero bytes, so eight table look-ups
// advance the CRC by eight bytes at once (slice-by-8).
constexpr std::array<std::array<uint32_t, 256>, 8> make_tables() {
    std::array<std::array<uint32_t, 256>, 8> t{};
    for (uint32_t b = 0; b < 256; ++b) {
        uint32_t crc = b;
        for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ ((crc & 1u) ? kPolynomial : 0u);
        t[0][b] = crc;
    }
    for (uint32_t b = 0; b < 256; ++b)
        for (size_t k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFFu];
    return t;
}

constexpr auto kTables = make_tables();

} // namespace

uint32_t crc32c_extend_portable(uint32_t crc, const void *data, size_t size) {
    const auto *p = static_cast<const unsigned char *>(data);
    crc = ~crc;
    while (size >= 8) {
        uint32_t lo = 0;
        uint32_t hi = 0;
        std::memcpy(&lo, p, 4);
        std::memcpy(&hi, p + 4, 4);
        if constexpr (std::endian::native == std::endian::big) {
            lo = __builtin_bswap32(lo);
            hi = __builtin_bswap32(hi);
        }
        lo ^= crc;
        crc = kTables[7][lo & 0xFFu] ^ kTables[6][(lo >> 8) & 0xFFu] ^ kTables[5][(lo >> 16) & 0xFFu] ^
              kTables[4][lo >> 24] ^ kTables[3][hi & 0xFFu] ^ kTables[2][(hi >> 8) & 0xFFu] ^
              kTables[1][(hi >> 16) & 0xFFu] ^ kTables[0][hi >> 24];
        p += 8;
        size -= 8;
    }
    while (size-- > 0) crc = (crc >> 8) ^ kTables[0][(crc ^ *p++) & 0xFFu];
    return ~crc;
}

#if defined(__x86_64__)
// SSE 4.2's crc32 instruction computes exactly this polynomial, 8 bytes per instruction:
// about five times the table's speed, and the write-ahead log checksums every byte it writes
// (the CRC was the write-ahead log's largest cost in a perf profile, bench/PROFILES.md).
namespace {

__attribute__((target("sse4.2"))) uint32_t crc32c_extend_sse42(uint32_t crc, const void *data, size_t size) {
    const auto *p = static_cast<const unsigned char *>(data);
    uint64_t c = ~crc;
    for (; size >= 8; size -= 8, p += 8) {
        uint64_t word = 0;
        std::memcpy(&word, p, 8);
        c = __builtin_ia32_crc32di(c, word);
    }
    auto c32 = static_cast<uint32_t>(c);
    for (; size > 0; --size) c32 = __builtin_ia32_crc32qi(c32, *p++);
    return ~c32;
}

using Crc32cFn = uint32_t (*)(uint32_t, const void *, size_t);

Crc32cFn best_crc32c() {
    __builtin_cpu_init(); // may run before libgcc's own constructor when called from one
    return __builtin_cpu_supports("sse4.2") ? crc32c_extend_sse42 : crc32c_extend_portable;
}

} // namespace

uint32_t crc32c_extend(uint32_t crc, const void *data, size_t size) {
    static const Crc32cFn fn = best_crc32c();
    return fn(crc, data, size);
}
#else
uint32_t crc32c_extend(uint32_t crc, const void *data, size_t size) { return crc32c_extend_portable(crc, data, size); }
#endif

} // namespace streamsubmit
