#include "plugins/kafka/record.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using streamsubmit::kafka::has_no_headers;
using streamsubmit::kafka::workarounds;

namespace {

// A zigzag varint, as a v2 record encodes its lengths.
std::string varint(int64_t v) {
    auto z = static_cast<uint64_t>((v << 1) ^ (v >> 63));
    std::string out;
    do {
        unsigned char b = z & 0x7Fu;
        z >>= 7;
        out.push_back(static_cast<char>(z ? b | 0x80u : b));
    } while (z);
    return out;
}

// The tail of a v2 record from the value's length on: length varint, value, then `after`
// (the header count and headers).
struct Laid {
    std::string bytes;
    rd_kafka_message_t message{};
};

Laid v2(const std::string &value, const std::string &after) {
    Laid l;
    const std::string len = varint(static_cast<int64_t>(value.size()));
    l.bytes = len + value + after;
    l.message.payload = l.bytes.data() + len.size();
    l.message.len = value.size();
    return l;
}

} // namespace

TEST_CASE("header count shortcut: a v2 record with a header count of 0 has no headers") {
    REQUIRE(workarounds().header_count_shortcut); // Debian 12's 2.0.2, the one this was read against
    for (size_t size : {1u, 63u, 64u, 100u, 8191u, 8192u, 1u << 20}) {
        auto l = v2(std::string(size, 'x'), std::string(1, '\0'));
        CHECK_MESSAGE(has_no_headers(&l.message), size);
    }
}

TEST_CASE("header count shortcut: anything else is left to librdkafka") {
    SUBCASE("a header count of 1 (then one header)") {
        auto l = v2(std::string(100, 'x'), varint(1) + varint(1) + "h" + varint(1) + "v");
        CHECK_FALSE(has_no_headers(&l.message));
    }
    SUBCASE("a v0/v1 message: a 4-byte big-endian length before the value, whatever follows") {
        for (size_t size : {1u, 64u, 100u, 300u, 70000u}) {
            std::string be{static_cast<char>(size >> 24), static_cast<char>(size >> 16), static_cast<char>(size >> 8),
                           static_cast<char>(size)};
            std::string bytes = be + std::string(size, 'x') + std::string(1, '\0');
            rd_kafka_message_t m{};
            m.payload = bytes.data() + 4;
            m.len = size;
            CHECK_FALSE_MESSAGE(has_no_headers(&m), size);
        }
    }
    SUBCASE("an empty value and a null value") {
        auto l = v2("", std::string(1, '\0'));
        CHECK_FALSE(has_no_headers(&l.message));
        rd_kafka_message_t null_value{};
        CHECK_FALSE(has_no_headers(&null_value));
    }
    SUBCASE("a length before the value that is not this value's") {
        auto l = v2(std::string(100, 'x'), std::string(1, '\0'));
        l.message.len = 99;
        CHECK_FALSE(has_no_headers(&l.message));
    }
}
