// The Schema Registry wire format of a key or value: byte 0 is the magic byte 0, bytes 1-4
// the schema id (big-endian), then the payload (for Protobuf, message indexes come first).
#pragma once

#include "decode_error.h"

#include <cstddef>
#include <cstdint>
#include <variant>
#include <vector>

namespace streamsubmit::schema {

inline constexpr size_t kWireHeaderSize = 5;

struct WireHeader {
    int32_t schema_id = 0;
    const unsigned char *payload = nullptr; // after the header
    size_t payload_len = 0;
};

// The header of `data`, or why it has none (BadHeader).
std::variant<WireHeader, DecodeError> parse_wire_header(const void *data, size_t len);

// Protobuf's message indexes at the start of a payload: a zigzag varint count, then that many
// zigzag varint indexes (the path from the file's first-level messages to the nested one);
// a count of 0 means [0], the file's first message. Moves `payload` past them; BadHeader when
// they are cut short or out of range.
std::variant<std::vector<int>, DecodeError> parse_message_indexes(const unsigned char *&payload, size_t &len);

} // namespace streamsubmit::schema
