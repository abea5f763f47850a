// The view of a decoded Avro value that the Python application builds its objects from:
// logical types found again by where a type sits (avro-c shares one schema per primitive),
// unions seen as their branch, named types reused by name; and Protobuf's float fields made
// floats again for typed readers.
#include "schema/avro_decoder.h"
#include "schema/avro_view.h"
#include "schema/protobuf_decoder.h"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

using namespace streamsubmit::schema;

namespace {

std::shared_ptr<const AvroDecoder> decoder_of(const std::string &schema) {
    auto made = AvroDecoder::create(ResolvedSchema{{"AVRO", schema, {}}, {}}, 7);
    REQUIRE(std::holds_alternative<std::shared_ptr<const AvroDecoder>>(made));
    return std::get<std::shared_ptr<const AvroDecoder>>(made);
}

const char *kSchema = R"({"type":"record","name":"R","fields":[
  {"name":"d","type":{"type":"int","logicalType":"date"}},
  {"name":"n","type":"int"},
  {"name":"m","type":["null",{"type":"long","logicalType":"timestamp-millis"}]},
  {"name":"a","type":{"type":"array","items":{"type":"string","logicalType":"uuid"}}},
  {"name":"f","type":{"type":"fixed","name":"Money","size":2,"logicalType":"decimal","precision":4,"scale":2}},
  {"name":"g","type":"Money"},
  {"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y"]}},
  {"name":"s","type":{"type":"string","logicalType":"no-such-type"}}]})";

// d=3, n=3, m=branch 1 (5), a=["u"], f=0x0100, g=0xffff, e=Y, s="z"
const std::vector<unsigned char> kPayload = {0x06, 0x06, 0x02, 0x0a, 0x02, 0x02, 'u', 0x00,
                                             0x01, 0x00, 0xff, 0xff, 0x02, 0x02, 'z'};

} // namespace

TEST_CASE("the view carries each position's logical type, not the shared primitive's") {
    auto d = decoder_of(kSchema);
    bool seen = false;
    auto e = d->visit(kPayload.data(), kPayload.size(), [&](const AvroView &v) {
        seen = true;
        REQUIRE(v.kind() == AvroKind::Record);
        REQUIRE(v.size() == 8);
        std::string_view name;
        const AvroView date = v.child(0, &name);
        CHECK(name == "d");
        CHECK(date.kind() == AvroKind::Int);
        CHECK(date.logical().kind == AvroLogicalKind::Date);
        CHECK(date.int32() == 3);
        const AvroView plain = v.child(1, &name);
        CHECK(name == "n");
        CHECK(plain.logical().kind == AvroLogicalKind::None); // the same avro-c int schema as "d"
        const AvroView ts = v.child(2);                        // a union, seen as its branch
        CHECK(ts.kind() == AvroKind::Long);
        CHECK(ts.logical().kind == AvroLogicalKind::TimestampMillis);
        CHECK(ts.int64() == 5);
        const AvroView list = v.child(3);
        REQUIRE(list.kind() == AvroKind::Array);
        REQUIRE(list.size() == 1);
        CHECK(list.child(0).logical().kind == AvroLogicalKind::Uuid);
        CHECK(list.child(0).string() == "u");
        const AvroView money = v.child(4);
        CHECK(money.kind() == AvroKind::Fixed);
        CHECK(money.logical().kind == AvroLogicalKind::Decimal);
        CHECK(money.logical().scale == 2);
        CHECK(money.bytes() == std::string_view("\x01\x00", 2));
        const AvroView again = v.child(5); // the named fixed, used by its name
        CHECK(again.logical().kind == AvroLogicalKind::Decimal);
        CHECK(again.bytes() == std::string_view("\xff\xff", 2));
        CHECK(v.child(6).kind() == AvroKind::Enum);
        CHECK(v.child(6).string() == "Y");
        CHECK(v.child(7).logical().kind == AvroLogicalKind::None); // unknown logical types are ignored
    });
    CHECK(!e);
    CHECK(seen);
}

TEST_CASE("a null union branch is seen as null; the JSON writer and the view read the same payload") {
    auto d = decoder_of(R"({"type":"record","name":"R","fields":[{"name":"m","type":["null","string"]}]})");
    const std::vector<unsigned char> payload = {0x00};
    auto e = d->visit(payload.data(), payload.size(), [&](const AvroView &v) { CHECK(v.child(0).kind() == AvroKind::Null); });
    CHECK(!e);
    std::string json;
    CHECK(!d->decode(payload.data(), payload.size(), json));
    CHECK(json == R"({"m":null})");
}

TEST_CASE("visit: a payload that is not of the schema is a mismatch, and an exception of the caller passes through") {
    auto d = decoder_of(kSchema);
    auto e = d->visit(kPayload.data(), 3, [](const AvroView &) { FAIL("a truncated payload was handed over"); });
    REQUIRE(e);
    CHECK(e->kind == DecodeErrorKind::PayloadMismatch);
    CHECK_THROWS_AS(d->visit(kPayload.data(), kPayload.size(), [](const AvroView &) { throw std::logic_error("x"); }),
                    std::logic_error);
    // The scratch value went back: the next record decodes.
    CHECK(!d->visit(kPayload.data(), kPayload.size(), [](const AvroView &v) { CHECK(v.size() == 8); }));
}

TEST_CASE("Protobuf: whole floats and doubles stay floats for typed readers, only when asked") {
    const std::string proto = R"(syntax = "proto3";
package t;
import "google/protobuf/wrappers.proto";
message M {
  double d = 1;
  repeated float fs = 2;
  map<string, double> md = 3;
  Inner inner = 4;
  google.protobuf.DoubleValue w = 5;
  int32 i = 6;
}
message Inner { double x = 1; })";
    auto made = ProtobufDecoder::create(ResolvedSchema{{"PROTOBUF", proto, {}}, {}}, 9);
    REQUIRE(std::holds_alternative<std::shared_ptr<const ProtobufDecoder>>(made));
    auto d = std::get<std::shared_ptr<const ProtobufDecoder>>(made);
    // indexes [0]; d=2.0, fs=[1.0], md={"k": 3.0}, inner.x=4.0, w=5.0, i=6
    const std::vector<unsigned char> payload = {
        0x00,                                                      // message indexes: the first message
        0x09, 0, 0, 0, 0, 0, 0, 0, 0x40,                           // d = 2.0
        0x12, 0x04, 0, 0, 0x80, 0x3f,                              // fs = [1.0] (packed)
        0x1a, 0x0c, 0x0a, 0x01, 'k', 0x11, 0, 0, 0, 0, 0, 0, 0x08, 0x40, // md {"k": 3.0}
        0x22, 0x09, 0x09, 0, 0, 0, 0, 0, 0, 0x10, 0x40,             // inner.x = 4.0
        0x2a, 0x09, 0x09, 0, 0, 0, 0, 0, 0, 0x14, 0x40,             // w = 5.0
        0x30, 0x06};                                                // i = 6
    std::string plain, typed;
    REQUIRE(!d->decode(payload.data(), payload.size(), plain));
    REQUIRE(!d->decode(payload.data(), payload.size(), typed, true));
    CHECK(plain == R"({"d":2,"fs":[1],"md":{"k":3},"inner":{"x":4},"w":5,"i":6})");
    CHECK(typed == R"({"d":2.0,"fs":[1.0],"md":{"k":3.0},"inner":{"x":4.0},"w":5.0,"i":6})");
}
