// Avro's JSON encoding (the Avro specification's "JSON Encoding"), written while avro-c reads a
// binary value: records and maps as objects, arrays as arrays, a union's non-null value as
// {"BRANCH": value} (the branch's full name for records, enums and fixed), enums as their
// symbol, bytes and fixed as strings of the code points U+0000-U+00FF, logical types as their
// underlying type. Doubles are written shortest round-trip; floats as the double they equal;
// NaN and the infinities, which JSON lacks, as the strings "NaN", "Infinity", "-Infinity".
//
// avro-c reads with its consumer interface (avro_consume_binary), which calls back for every
// value as it decodes it: the JSON goes straight into the output, with the field names, union
// branch names and enum symbols quoted once per schema. avro-c's generic values cost a reset,
// a read into the value, a second pass to size it and a third to write it for every record;
// avro-c's own avro_value_to_json also cuts bytes at their first NUL byte and names union
// branches without their namespace.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct avro_obj_t;

namespace streamsubmit::schema {

class AvroJsonWriter {
public:
    // For values of `schema` (a parsed schema, referenced by the caller while the writer lives).
    explicit AvroJsonWriter(avro_obj_t *schema);
    ~AvroJsonWriter();
    AvroJsonWriter(const AvroJsonWriter &) = delete;
    AvroJsonWriter &operator=(const AvroJsonWriter &) = delete;

    // Appends the JSON of the value that `payload` encodes to `out` (any thread, at once); or
    // says why the bytes are not one value of the schema (`out` then partly written).
    std::optional<std::string> write(const unsigned char *payload, size_t len, std::string &out) const;

    struct Node; // what is written for the values of one schema node

private:
    Node *node_for(avro_obj_t *schema, std::map<avro_obj_t *, Node *> &made);
    std::vector<std::unique_ptr<Node>> nodes_; // one per distinct (named or anonymous) schema node
    Node *root_ = nullptr;
};

// `text` as a quoted JSON string (the bytes as they are, controls, '"' and '\' escaped).
void append_json_string(std::string &out, const char *text, size_t len);

} // namespace streamsubmit::schema
