// Keys and values of a schema registry format (stream.key.format, stream.value.format = avro,
// protobuf or json-schema) as Python objects, decoded through schema/ (the registry client and
// the per-id schema cache that the reader threads share):
//   Avro: built from avro-c's value directly, as fastavro (confluent-kafka's AvroDeserializer)
//     reads it: records and maps as dict, arrays as list, int/long as int, float/double as
//     float, string as str, bytes and fixed as bytes, enums as str, a union as its branch's
//     value; logical types decimal -> decimal.Decimal with the schema's scale, date ->
//     datetime.date, time-millis/-micros -> datetime.time, timestamp-millis/-micros -> aware
//     datetime.datetime in UTC, local-timestamp-millis/-micros -> naive datetime.datetime,
//     uuid -> uuid.UUID.
//   Protobuf: the dict protobuf's json_format.MessageToDict gives (proto3's canonical JSON
//     mapping: lowerCamelCase names, 64-bit integers as str, bytes as base64 str, enums by name,
//     fields at their default left out), parsed from libprotobuf's JSON.
//   JSON Schema: the payload's JSON, parsed (json.loads).
#pragma once

#include "schema/decode_error.h"
#include "schema/record_decoder.h"

#include <streamsubmit/plugin.h>

#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace streamsubmit::python {

// Thrown by SchemaValues::decode: why the bytes are no value of their format.
struct SchemaDecodeFailure {
    schema::DecodeError error;
    int32_t schema_id = -1; // -1 when the header gave none
    // Whether the record itself is at fault (bad header, unknown id, payload that does not
    // match): then stream.errors.tolerance=all may reject it. Not so a registry that is
    // unreachable or refuses: that stops the job whatever the tolerance.
    bool record_fault() const;
};

// A key or value that does not decode, when the host does not take it as a rejection: an
// SS_ERR_BAD_RECORD (exit 4) naming the record, its schema id and what went wrong.
struct BadRecord : std::runtime_error {
    BadRecord(const std::string &message, std::string hint) : std::runtime_error(message), hint(std::move(hint)) {}
    std::string hint;
};

// `failure` of the record's `which` ("key" or "value") in `format`: rejected (stage decode)
// through `host` when the record is at fault and the host takes it; else throws BadRecord.
void reject_or_throw(const ss_host_api *host, const ss_batch &batch, const ss_record &record, const char *which,
                     schema::Format format, const SchemaDecodeFailure &failure, ss_error *err);

class SchemaValues {
public:
    // From the host's format_conf (bytes for both when the host gives none). False when a key
    // is wrong: `message` and `hint` say why. With the GIL held.
    static bool make(const ss_app_params *params, SchemaValues &out, std::string &message, std::string &hint);

    // A key or value of a schema registry format arrives decoded, so a decoder of its own
    // (app.python.keyDecoder / valueDecoder other than the default utf8) would decode it twice:
    // false, with `message` and `hint`, when one is set.
    bool check_decoders(const std::string &key_decoder, const std::string &value_decoder, std::string &message,
                        std::string &hint) const;

    schema::Format key_format() const { return key_; }
    schema::Format value_format() const { return value_; }

    // With the GIL held: the key or value `data` in `format` (not Bytes) as a Python object,
    // its schema id in `schema_id`. Throws SchemaDecodeFailure, or pybind11::error_already_set
    // when Python cannot make an object (out of memory).
    pybind11::object decode(schema::Format format, const void *data, size_t len, int32_t &schema_id) const;

private:
    pybind11::object from_json(const std::string &json) const;
    schema::Format key_ = schema::Format::Bytes, value_ = schema::Format::Bytes;
    std::shared_ptr<const schema::RecordDecoder> decoder_;
    pybind11::object json_loads_;
};

} // namespace streamsubmit::python
