#include "wire_format.h"

#include <string>

namespace streamsubmit::schema {

std::variant<WireHeader, DecodeError> parse_wire_header(const void *data, size_t len) {
    const auto *p = static_cast<const unsigned char *>(data);
    if (len == 0 || p[0] != 0)
        return DecodeError{DecodeErrorKind::BadHeader,
                           len == 0 ? std::string("it is empty, without the magic byte 0 of the schema registry format")
                                    : "its first byte is " + std::to_string(p[0]) +
                                          ", not the magic byte 0 of the schema registry format",
                           "check that the producer writes this topic with a schema registry serializer, or read "
                           "it with stream.value.format=bytes (stream.key.format for keys)"};
    if (len < kWireHeaderSize)
        return DecodeError{DecodeErrorKind::BadHeader,
                           "it has " + std::to_string(len) + " bytes, fewer than the 5 of the schema registry header",
                           "check that the producer writes this topic with a schema registry serializer"};
    const uint32_t id = (uint32_t{p[1]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 8) | p[4];
    return WireHeader{static_cast<int32_t>(id), p + kWireHeaderSize, len - kWireHeaderSize};
}

namespace {

// A zigzag varint (what Protobuf's sint32 and the message indexes use); false when cut short.
bool read_zigzag(const unsigned char *&p, size_t &len, int64_t &out) {
    uint64_t raw = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (len == 0) return false;
        const unsigned char b = *p++;
        --len;
        raw |= uint64_t{b & 0x7Fu} << shift;
        if (!(b & 0x80)) {
            out = static_cast<int64_t>(raw >> 1) ^ -static_cast<int64_t>(raw & 1);
            return true;
        }
    }
    return false;
}

} // namespace

std::variant<std::vector<int>, DecodeError> parse_message_indexes(const unsigned char *&payload, size_t &len) {
    const auto bad = [&](const std::string &why) {
        return DecodeError{DecodeErrorKind::BadHeader, "its Protobuf message indexes " + why,
                           "check that the producer writes this topic with a schema registry Protobuf serializer"};
    };
    int64_t count = 0;
    if (!read_zigzag(payload, len, count)) return bad("are cut short");
    if (count == 0) return std::vector<int>{0};
    if (count < 0 || static_cast<uint64_t>(count) > len) return bad("give a count of " + std::to_string(count));
    std::vector<int> indexes;
    for (int64_t i = 0; i < count; ++i) {
        int64_t index = 0;
        if (!read_zigzag(payload, len, index)) return bad("are cut short");
        if (index < 0 || index > 1'000'000) return bad("hold the index " + std::to_string(index));
        indexes.push_back(static_cast<int>(index));
    }
    return indexes;
}

} // namespace streamsubmit::schema
