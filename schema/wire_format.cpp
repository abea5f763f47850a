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

} // namespace streamsubmit::schema
