// How the sinks write one record: a JSON Lines object with kcat -J's fields, or the
// raw value and a delimiter. Appends to a caller-owned buffer; nothing is allocated per record
// once the buffer has grown to its working size.
#pragma once

#include "record_decoding.h"

#include <streamsubmit/plugin.h>

#include <string>
#include <string_view>

namespace streamsubmit::sinks {

// {"topic":..,"partition":..,"offset":..,"timestamp":..,"timestampType":..,"key":..,"value":..,"headers":[..]}
// and a newline. timestampType is named as Kafka's TimestampType names it: CreateTime,
// LogAppendTime or NoTimestampType.
// Key and value are JSON strings when they are valid UTF-8, otherwise base64 with
// "keyEncoding":"base64" / "valueEncoding":"base64"; null is JSON null. A header is
// [name, value], or [name, value, "base64"] when its value is not UTF-8.
void append_json_record(std::string &out, const ss_record &record, const DecodedFields *decoded = nullptr);

// The same, with `prefix` = json_record_prefix(record.topic, record.partition), which is the
// same for every record of a partition: the sink computes it once per file. With `decoded`
// (a schema registry format, see record_decoding.h), a decoded key or value is written as its
// JSON with "keySchemaId" / "valueSchemaId" beside it.
void append_json_record(std::string &out, const ss_record &record, std::string_view prefix,
                        const DecodedFields *decoded = nullptr);
std::string json_record_prefix(const char *topic, int32_t partition);

// The value's bytes (nothing for a null value), then `delimiter`.
void append_raw_record(std::string &out, const ss_record &record, std::string_view delimiter);

// "CreateTime", "LogAppendTime" or "NoTimestampType" for an ss_timestamp_type.
std::string_view timestamp_type_name(int32_t type);

// `text` as a quoted JSON string, escaped (not checked for UTF-8: for names the host gives).
void append_json_string(std::string &out, std::string_view text);


void append_base64(std::string &out, const unsigned char *p, size_t n);

// "\n" -> newline: the C escapes \n \t \r \0 \\ and \xHH; nullopt-like empty `error` on success.
std::string unescape(std::string_view text, std::string &error);

} // namespace streamsubmit::sinks
