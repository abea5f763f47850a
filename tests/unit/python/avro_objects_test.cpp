// Avro values as the Python objects fastavro (confluent-kafka's AvroDeserializer) gives:
// built from avro-c's value through the view, logical types included, checked in Python.
#include "avro_objects.h"

#include "schema/avro_decoder.h"

#include <doctest/doctest.h>

#include <pybind11/embed.h>

#include <string>
#include <vector>

namespace py = pybind11;
using namespace streamsubmit::schema;

namespace {

py::object decoded(const std::string &schema, const std::vector<unsigned char> &payload) {
    auto made = AvroDecoder::create(ResolvedSchema{{"AVRO", schema, {}}, {}}, 3);
    REQUIRE(std::holds_alternative<std::shared_ptr<const AvroDecoder>>(made));
    streamsubmit::python::init_avro_objects();
    py::object out;
    auto e = std::get<std::shared_ptr<const AvroDecoder>>(made)->visit(
        payload.data(), payload.size(), [&](const AvroView &v) { out = streamsubmit::python::avro_object(v); });
    INFO((e ? e->message : ""));
    REQUIRE(!e);
    return out;
}

// `expression` (Python, with the value as `v`) is True.
void check_python(const py::object &v, const char *expression) {
    py::dict scope;
    scope["v"] = v;
    INFO(expression << " with v = " << std::string(py::repr(v)));
    CHECK(py::eval(expression, py::module_::import("__main__").attr("__dict__"), scope).cast<bool>());
}

} // namespace

TEST_CASE("Avro's types and logical types become fastavro's Python objects") {
    const char *schema = R"({"type":"record","name":"R","fields":[
      {"name":"b","type":"boolean"},
      {"name":"l","type":"long"},
      {"name":"f","type":"float"},
      {"name":"s","type":"string"},
      {"name":"raw","type":"bytes"},
      {"name":"u","type":["null","string"]},
      {"name":"m","type":{"type":"map","values":"int"}},
      {"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y"]}},
      {"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":6,"scale":2}},
      {"name":"day","type":{"type":"int","logicalType":"date"}},
      {"name":"t","type":{"type":"int","logicalType":"time-millis"}},
      {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
      {"name":"at_us","type":{"type":"long","logicalType":"timestamp-micros"}},
      {"name":"local","type":{"type":"long","logicalType":"local-timestamp-millis"}},
      {"name":"id","type":{"type":"string","logicalType":"uuid"}}]})";
    const std::vector<unsigned char> payload = {
        0x01,                                     // b = true
        0x03,                                     // l = -2
        0x00, 0x00, 0xc0, 0x3f,                   // f = 1.5
        0x04, 'h', 'i',                           // s = "hi"
        0x04, 0x00, 0xff,                         // raw = b"\x00\xff"
        0x02, 0x02, 'x',                          // u = "x" (branch 1)
        0x02, 0x02, 'k', 0x0e, 0x00,              // m = {"k": 7}
        0x02,                                     // e = "Y"
        0x04, 0xff, 0x9c,                         // price = -100 unscaled -> Decimal("-1.00")
        0x02,                                     // day = 1 -> 1970-01-02
        0xd0, 0x0f,                               // t = 1000 ms -> 00:00:01
        0xd0, 0x0f,                               // at = 1000 ms
        0x01,                                     // at_us = -1 us
        0xd0, 0x0f,                               // local = 1000 ms
        0x48, '1', '2', '3', '4', '5', '6', '7', '8', '-', '1', '2', '3', '4', '-', '1', '2', '3', '4', '-',
        '1', '2', '3', '4', '-', '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '1', '2'}; // id
    const py::object v = decoded(schema, payload);
    check_python(v, "list(v) == ['b','l','f','s','raw','u','m','e','price','day','t','at','at_us','local','id']");
    check_python(v, "v['b'] is True and v['l'] == -2 and v['f'] == 1.5 and v['s'] == 'hi'");
    check_python(v, "v['raw'] == b'\\x00\\xff' and v['u'] == 'x' and v['m'] == {'k': 7} and v['e'] == 'Y'");
    check_python(v, "__import__('decimal').Decimal('-1.00').as_tuple() == v['price'].as_tuple()");
    check_python(v, "v['day'] == __import__('datetime').date(1970, 1, 2)");
    check_python(v, "v['t'] == __import__('datetime').time(0, 0, 1)");
    check_python(v, "v['at'] == __import__('datetime').datetime(1970, 1, 1, 0, 0, 1, "
                    "tzinfo=__import__('datetime').timezone.utc) and v['at'].tzinfo is not None");
    check_python(v, "v['at_us'] == __import__('datetime').datetime(1969, 12, 31, 23, 59, 59, 999999, "
                    "tzinfo=__import__('datetime').timezone.utc)");
    check_python(v, "v['local'] == __import__('datetime').datetime(1970, 1, 1, 0, 0, 1) and v['local'].tzinfo is None");
    check_python(v, "v['id'] == __import__('uuid').UUID('12345678-1234-1234-1234-123456789012')");
}

TEST_CASE("an Avro string that is not UTF-8 decodes no record: a mismatch, not a replaced character") {
    auto made = AvroDecoder::create(ResolvedSchema{{"AVRO", R"("string")", {}}, {}}, 4);
    REQUIRE(std::holds_alternative<std::shared_ptr<const AvroDecoder>>(made));
    streamsubmit::python::init_avro_objects();
    const std::vector<unsigned char> payload = {0x02, 0xff};
    auto e = std::get<std::shared_ptr<const AvroDecoder>>(made)->visit(
        payload.data(), payload.size(), [&](const AvroView &v) { streamsubmit::python::avro_object(v); });
    REQUIRE(e);
    CHECK(e->kind == DecodeErrorKind::PayloadMismatch);
    CHECK(e->message.find("a string") != std::string::npos);
}
