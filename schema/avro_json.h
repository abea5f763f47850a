// A value that avro-c decoded, written in Avro's JSON encoding (the Avro specification's
// "JSON Encoding"): records and maps as objects, arrays as arrays, a union's non-null value
// as {"BRANCH": value} (the branch's full name for records, enums and fixed), enums as their
// symbol, bytes and fixed as strings of the code points U+0000-U+00FF, logical types as their
// underlying type. avro-c's own avro_value_to_json cuts bytes and fixed at their first NUL
// byte and names union branches without their namespace, hence this writer. Doubles are
// written shortest round-trip; floats as the double they equal; NaN and the infinities, which
// JSON lacks, as the strings "NaN", "Infinity", "-Infinity".
#pragma once

#include <string>

struct avro_value;

namespace streamsubmit::schema {

// False (and `out` partly written) when avro-c fails to read a part of the value.
bool append_avro_json(const avro_value *value, std::string &out);

// `text` as a quoted JSON string (the bytes as they are, controls, '"' and '\' escaped).
void append_json_string(std::string &out, const char *text, size_t len);

} // namespace streamsubmit::schema
