// proto3's JSON mapping writes a float or double field that holds a whole number as an integer
// (weight: 1), which a typed reader (Python's json.loads) takes for an int, where protobuf's
// own MessageToDict gives a float (1.0). Callers that build typed objects from the JSON have
// those fields made floats again, by the message's descriptor.
#pragma once

#include <nlohmann/json.hpp>

namespace google::protobuf {
class Descriptor;
}

namespace streamsubmit::schema {

// Makes every float and double field of `message` (the JSON of a message of `type`, nested
// messages, repeated fields, map values and the FloatValue/DoubleValue wrappers included) a
// JSON float. "NaN" and "Infinity" stay strings.
void floats_as_floats(nlohmann::ordered_json &message, const google::protobuf::Descriptor &type);

// Whether a message of `type` has a float or double anywhere (else there is nothing to do).
bool has_float_fields(const google::protobuf::Descriptor &type);

} // namespace streamsubmit::schema
