#include "common/crc32c.h"

#include <doctest/doctest.h>

#include <string>

using streamsubmit::crc32c;
using streamsubmit::crc32c_extend;

TEST_CASE("CRC32C known vectors (RFC 3720 B.4 and the common check value)") {
    CHECK(crc32c("") == 0x00000000u);
    CHECK(crc32c("a") == 0xC1D04330u);
    CHECK(crc32c("123456789") == 0xE3069283u);
    CHECK(crc32c(std::string(32, '\0')) == 0x8A9136AAu);
    CHECK(crc32c(std::string(32, '\xFF')) == 0x62A8AB43u);
    std::string ascending, descending;
    for (int i = 0; i < 32; ++i) {
        ascending.push_back(static_cast<char>(i));
        descending.push_back(static_cast<char>(31 - i));
    }
    CHECK(crc32c(ascending) == 0x46DD794Eu);
    CHECK(crc32c(descending) == 0x113FDB5Cu);
    CHECK(crc32c("The quick brown fox jumps over the lazy dog") == 0x22620404u);
}

TEST_CASE("CRC32C extends piecewise, at every split and alignment") {
    std::string text;
    for (int i = 0; i < 100; ++i) text.push_back(static_cast<char>(i * 37 + 11));
    const uint32_t whole = crc32c(text);
    for (size_t split = 0; split <= text.size(); ++split)
        CHECK(crc32c_extend(crc32c(text.data(), split), text.data() + split, text.size() - split) == whole);
    for (size_t start = 1; start < 9; ++start) { // unaligned slices agree with a bytewise reference
        uint32_t bytewise = 0;
        for (size_t i = start; i < text.size(); ++i) bytewise = crc32c_extend(bytewise, text.data() + i, 1);
        CHECK(crc32c(text.data() + start, text.size() - start) == bytewise);
    }
}

TEST_CASE("CRC32C: the CPU's instruction and the portable tables agree at every length and alignment") {
    std::string text;
    for (int i = 0; i < 300; ++i) text.push_back(static_cast<char>(i * 131 + 7));
    for (size_t start = 0; start < 9; ++start)
        for (size_t n = 0; start + n <= text.size(); n += (n < 40 ? 1 : 37)) {
            CHECK(crc32c_extend(0x12345678u, text.data() + start, n) ==
                  streamsubmit::crc32c_extend_portable(0x12345678u, text.data() + start, n));
        }
}

TEST_CASE("CRC32C: three lanes at a time (buffers of 24 KiB and more) agree with the portable tables") {
    std::string text(200'000, '\0');
    uint32_t x = 12345;
    for (auto &c : text) c = static_cast<char>((x = x * 1103515245u + 12345u) >> 24);
    const size_t lengths[] = {24575, 24576, 24577, 24576 + 7, 49151, 49152, 49160, 73728 + 13, 199'990};
    for (size_t start : {0, 1, 5})
        for (size_t n : lengths) {
            CAPTURE(start);
            CAPTURE(n);
            CHECK(crc32c_extend(0xDEADBEEFu, text.data() + start, n) ==
                  streamsubmit::crc32c_extend_portable(0xDEADBEEFu, text.data() + start, n));
        }
}
