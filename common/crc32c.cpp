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

// One chain of crc32 instructions waits 3 cycles for each (its latency), though the CPU can
// start one every cycle: three independent chains over three lanes of a chunk keep it busy,
// and the lanes' CRCs are combined by shifting the first two past the lanes after them
// (a multiplication by x^(8 * lane bytes) modulo the polynomial, by table). On 256 KiB
// pieces in cache: 15-22 GB/s against 8.2-8.4 GB/s with one chain (bench/PROFILES.md).
constexpr size_t kLane = 8192;

// v(x) * x modulo the polynomial, bit-reflected (bit 31 is x^0).
constexpr uint32_t times_x(uint32_t v) { return (v & 1u) ? (v >> 1) ^ kPolynomial : v >> 1; }

// a(x) * b(x) modulo the polynomial, both bit-reflected.
constexpr uint32_t multiply_mod(uint32_t a, uint32_t b) {
    uint32_t product = 0;
    for (uint32_t bit = 1u << 31; bit != 0; bit >>= 1, b = times_x(b))
        if (a & bit) product ^= b;
    return product;
}

// table[k][b] shifts the byte b at position k of a CRC register past `bytes` zero bytes;
// the four look-ups together shift a whole register (the shift is linear).
struct ShiftTable {
    std::array<std::array<uint32_t, 256>, 4> t{};
    explicit ShiftTable(size_t bytes) {
        uint32_t x_power = 1u << 31; // x^0
        for (size_t i = 0; i < 8 * bytes; ++i) x_power = times_x(x_power);
        for (size_t k = 0; k < 4; ++k)
            for (uint32_t b = 0; b < 256; ++b) t[k][b] = multiply_mod(x_power, b << (8 * k));
    }
    uint32_t operator()(uint32_t crc) const {
        return t[0][crc & 0xFFu] ^ t[1][(crc >> 8) & 0xFFu] ^ t[2][(crc >> 16) & 0xFFu] ^ t[3][crc >> 24];
    }
};

__attribute__((target("sse4.2"))) uint64_t crc32c_words(uint64_t c, const unsigned char *p, size_t words) {
    for (size_t i = 0; i < words; ++i, p += 8) {
        uint64_t word = 0;
        std::memcpy(&word, p, 8);
        c = __builtin_ia32_crc32di(c, word);
    }
    return c;
}

__attribute__((target("sse4.2"))) uint32_t crc32c_extend_sse42(uint32_t crc, const void *data, size_t size) {
    static const ShiftTable past_one_lane(kLane), past_two_lanes(2 * kLane);
    const auto *p = static_cast<const unsigned char *>(data);
    uint64_t c = ~crc;
    for (; size >= 3 * kLane; size -= 3 * kLane, p += 3 * kLane) {
        uint64_t c1 = 0;
        uint64_t c2 = 0;
        for (size_t i = 0; i < kLane; i += 8) {
            uint64_t w0 = 0, w1 = 0, w2 = 0;
            std::memcpy(&w0, p + i, 8);
            std::memcpy(&w1, p + kLane + i, 8);
            std::memcpy(&w2, p + 2 * kLane + i, 8);
            c = __builtin_ia32_crc32di(c, w0);
            c1 = __builtin_ia32_crc32di(c1, w1);
            c2 = __builtin_ia32_crc32di(c2, w2);
        }
        c = past_two_lanes(static_cast<uint32_t>(c)) ^ past_one_lane(static_cast<uint32_t>(c1)) ^ c2;
    }
    c = crc32c_words(c, p, size / 8);
    p += size / 8 * 8;
    auto c32 = static_cast<uint32_t>(c);
    for (size %= 8; size > 0; --size) c32 = __builtin_ia32_crc32qi(c32, *p++);
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
