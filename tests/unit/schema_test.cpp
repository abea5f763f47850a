// schema/: the wire format's header, the per-id cache's single flight, the registry URL
// list, and avro-c decoding written in Avro's JSON encoding.
#include "schema/avro_decoder.h"
#include "schema/protobuf_decoder.h"
#include "schema/registry_client.h"
#include "schema/schema_cache.h"
#include "schema/wire_format.h"

#include "record_format.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace streamsubmit::schema;

namespace {

std::vector<unsigned char> bytes(std::initializer_list<int> list) {
    std::vector<unsigned char> out;
    for (int b : list) out.push_back(static_cast<unsigned char>(b));
    return out;
}

std::shared_ptr<const AvroDecoder> avro(const std::string &schema, std::vector<std::pair<std::string, std::string>> refs = {}) {
    ResolvedSchema resolved{{"AVRO", schema, {}}, {}};
    for (auto &[name, text] : refs) resolved.references.push_back({SchemaReference{name, name, 1}, {"AVRO", text, {}}});
    auto made = AvroDecoder::create(resolved, 42);
    const std::string why = std::holds_alternative<DecodeError>(made) ? std::get<DecodeError>(made).message : "";
    INFO(why);
    REQUIRE(std::holds_alternative<std::shared_ptr<const AvroDecoder>>(made));
    return std::get<std::shared_ptr<const AvroDecoder>>(made);
}

std::string decode_ok(const AvroDecoder &d, const std::vector<unsigned char> &payload) {
    std::string out;
    auto e = d.decode(payload.data(), payload.size(), out);
    INFO((e ? e->message : ""));
    CHECK(!e);
    return out;
}

} // namespace

TEST_CASE("the wire header: magic byte, big-endian schema id, payload after it") {
    const auto ok = bytes({0, 0x01, 0x02, 0x03, 0x04, 0xAA, 0xBB});
    auto h = parse_wire_header(ok.data(), ok.size());
    REQUIRE(std::holds_alternative<WireHeader>(h));
    CHECK(std::get<WireHeader>(h).schema_id == 0x01020304);
    CHECK(std::get<WireHeader>(h).payload == ok.data() + 5);
    CHECK(std::get<WireHeader>(h).payload_len == 2);

    const auto header_only = bytes({0, 0, 0, 0, 7});
    h = parse_wire_header(header_only.data(), header_only.size());
    REQUIRE(std::holds_alternative<WireHeader>(h));
    CHECK(std::get<WireHeader>(h).schema_id == 7);
    CHECK(std::get<WireHeader>(h).payload_len == 0);

    const auto wrong_magic = bytes({'h', 'i', 0, 0, 0, 0});
    h = parse_wire_header(wrong_magic.data(), wrong_magic.size());
    REQUIRE(std::holds_alternative<DecodeError>(h));
    CHECK(std::get<DecodeError>(h).kind == DecodeErrorKind::BadHeader);
    CHECK(std::get<DecodeError>(h).message.find("first byte is 104") != std::string::npos);

    const auto short_header = bytes({0, 0, 0, 1});
    h = parse_wire_header(short_header.data(), short_header.size());
    REQUIRE(std::holds_alternative<DecodeError>(h));
    CHECK(std::get<DecodeError>(h).message.find("4 bytes, fewer than the 5") != std::string::npos);

    h = parse_wire_header("", 0);
    REQUIRE(std::holds_alternative<DecodeError>(h));
    CHECK(std::get<DecodeError>(h).message.find("empty") != std::string::npos);
}

TEST_CASE("the schema cache loads an id once while many threads ask for it at once") {
    SchemaCache<std::string> cache;
    std::atomic<int> loads{0}, waiting{0};
    constexpr int kThreads = 8;
    std::vector<std::shared_ptr<const std::string>> got(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i)
        threads.emplace_back([&, i] {
            ++waiting;
            auto r = cache.get(5, [&](int32_t id) -> SchemaCache<std::string>::Loaded {
                ++loads;
                // Hold the flight until every thread has asked: the others must wait for it.
                while (waiting.load() < kThreads) std::this_thread::yield();
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                return std::make_shared<const std::string>("schema " + std::to_string(id));
            });
            got[static_cast<size_t>(i)] = std::get<SchemaCache<std::string>::Value>(r);
        });
    for (auto &t : threads) t.join();
    CHECK(loads == 1);
    for (auto &g : got) CHECK(g == got[0]);
    CHECK(*got[0] == "schema 5");
    CHECK(cache.find(5) == got[0]);
    CHECK(cache.find(6) == nullptr);
    // Cached: no load for the id again.
    cache.get(5, [&](int32_t) -> SchemaCache<std::string>::Loaded { FAIL("loaded twice"); return nullptr; });
}

TEST_CASE("a failed load is not cached, and threads waiting on it get its error") {
    SchemaCache<std::string> cache;
    std::atomic<bool> started{false}, release{false};
    std::thread loader([&] {
        auto r = cache.get(9, [&](int32_t) -> SchemaCache<std::string>::Loaded {
            started = true;
            while (!release) std::this_thread::yield();
            return DecodeError{DecodeErrorKind::RegistryUnreachable, "down", ""};
        });
        CHECK(std::holds_alternative<DecodeError>(r));
    });
    while (!started) std::this_thread::yield();
    std::atomic<bool> waiter_loaded{false};
    std::thread waiter([&] {
        auto r = cache.get(9, [&](int32_t) -> SchemaCache<std::string>::Loaded {
            waiter_loaded = true;
            return std::make_shared<const std::string>("x");
        });
        // Either it waited on the failed flight (its error) or came after it (its own load).
        if (!waiter_loaded) {
            REQUIRE(std::holds_alternative<DecodeError>(r));
            CHECK(std::get<DecodeError>(r).message == "down");
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    release = true;
    loader.join();
    waiter.join();
    int loads = 0;
    auto r = cache.get(9, [&](int32_t) -> SchemaCache<std::string>::Loaded {
        ++loads;
        return std::make_shared<const std::string>("back");
    });
    if (!waiter_loaded) CHECK(loads == 1); // the failure was not kept
    REQUIRE(std::holds_alternative<SchemaCache<std::string>::Value>(r));
}

TEST_CASE("schema.registry.url: comma-separated, blanks and trailing slashes dropped") {
    CHECK(RegistrySettings::split_urls("http://a:1/apis/ccompat/v7/, ,http://b:2//") ==
          std::vector<std::string>{"http://a:1/apis/ccompat/v7", "http://b:2"});
    CHECK(RegistrySettings::split_urls("").empty());
}

TEST_CASE("an unreachable registry is retried until the timeout, then named") {
    RegistrySettings s;
    s.urls = {"http://127.0.0.1:1", "http://127.0.0.1:2/x"};
    s.timeout = std::chrono::milliseconds(400);
    RegistryClient client(s);
    const auto t0 = std::chrono::steady_clock::now();
    auto r = client.fetch(3);
    const auto took = std::chrono::steady_clock::now() - t0;
    REQUIRE(std::holds_alternative<DecodeError>(r));
    const auto &e = std::get<DecodeError>(r);
    CHECK(e.kind == DecodeErrorKind::RegistryUnreachable);
    CHECK(e.message.find("schema id 3") != std::string::npos);
    CHECK(e.message.find("http://127.0.0.1:1, http://127.0.0.1:2/x") != std::string::npos);
    CHECK(took >= std::chrono::milliseconds(400));
    CHECK(took < std::chrono::seconds(5));
}

TEST_CASE("avro-c decodes; the value is written in Avro's JSON encoding") {
    const auto d = avro(R"({"type":"record","name":"R","namespace":"ns","fields":[
        {"name":"i","type":"int"},{"name":"l","type":"long"},{"name":"b","type":"boolean"},
        {"name":"s","type":["null","string"]},{"name":"n","type":["null","string"]},
        {"name":"raw","type":"bytes"},{"name":"fx","type":{"type":"fixed","name":"F","size":2}},
        {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}},
        {"name":"arr","type":{"type":"array","items":"int"}},{"name":"m","type":{"type":"map","values":"double"}},
        {"name":"u","type":["null","F"]},{"name":"d","type":"double"},{"name":"f","type":"float"}]})");
    // Zigzag varints: int -2 = 3, long 150 = 0xAC 0x02; union index 1; string "q\"" (length 2 = 4).
    const auto payload = bytes({0x03, 0xAC, 0x02, 0x01, 0x02, 0x04, 'q', '"', 0x00,
                                0x06, 0x00, 0x01, 0xFF,  // bytes 00 01 FF (NUL kept)
                                0x00, 0x41,              // fixed: NUL, 'A'
                                0x02,                    // enum B
                                0x04, 0x02, 0x04, 0x00,  // array [1, 2]
                                0x02, 0x02, 'k', 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x00, // map {"k": 1.0}
                                0x02, 0x07, 0x08,        // union branch F
                                0x9A, 0x99, 0x99, 0x99, 0x99, 0x99, 0xB9, 0x3F, // double 0.1
                                0x00, 0x00, 0x80, 0x7F}); // float +inf
    CHECK(decode_ok(*d, payload) ==
          R"({"i":-2,"l":150,"b":true,"s":{"string":"q\""},"n":null,"raw":"\u0000\u0001ÿ","fx":"\u0000A",)"
          R"("e":"B","arr":[1,2],"m":{"k":1.0},"u":{"ns.F":"\u0007\b"},"d":0.1,"f":"Infinity"})");
}

TEST_CASE("a payload that is not a value of its schema: truncated, or bytes left over") {
    const auto d = avro(R"({"type":"record","name":"R","fields":[{"name":"s","type":"string"}]})");
    std::string out;
    const auto truncated = bytes({0x08, 'a', 'b'});
    auto e = d->decode(truncated.data(), truncated.size(), out);
    REQUIRE(e);
    CHECK(e->kind == DecodeErrorKind::PayloadMismatch);
    CHECK(e->message.find("schema id 42") != std::string::npos);
    const auto extra = bytes({0x02, 'a', 0x00});
    e = d->decode(extra.data(), extra.size(), out);
    REQUIRE(e);
    CHECK(e->message.find("bytes are left over") != std::string::npos);
}

TEST_CASE("records and unions close where their parent goes on: nested, recursive, last fields") {
    // avro-c's consumer says when the next field or item starts, not when a record ends.
    const auto d = avro(R"({"type":"record","name":"Node","fields":[{"name":"v","type":"int"},
        {"name":"kids","type":{"type":"array","items":"Node"}},{"name":"next","type":["null","Node"]},
        {"name":"end","type":"boolean"}]})");
    const auto payload = bytes({0x02,                         // v 1
                                0x02, 0x04, 0x00, 0x00, 0x00, // kids: one Node {v 2, kids [], next null, end false}
                                0x00,                         // end of kids
                                0x02, 0x06, 0x00, 0x00, 0x01, // next: Node {v 3, kids [], next null, end true}
                                0x01});                       // end true
    CHECK(decode_ok(*d, payload) == R"({"v":1,"kids":[{"v":2,"kids":[],"next":null,"end":false}],)"
                                    R"("next":{"Node":{"v":3,"kids":[],"next":null,"end":true}},"end":true})");
    // The same decoder again: nothing of the last record is left open.
    CHECK(decode_ok(*d, bytes({0x00, 0x00, 0x00, 0x00})) == R"({"v":0,"kids":[],"next":null,"end":false})");
}

TEST_CASE("arrays in blocks, a negative count with its size; a root that is not a record") {
    const auto d = avro(R"({"type":"array","items":{"type":"map","values":"int"}})");
    // Block of -2 items (3) of 6 bytes (0x0C): {} and {"a": 1}; block of 1: {"b": -1}; end.
    const auto blocks = bytes({0x03, 0x0C, 0x00, 0x02, 0x02, 'a', 0x02, 0x00, 0x02, 0x02, 0x02, 'b', 0x01, 0x00, 0x00});
    CHECK(decode_ok(*d, blocks) == R"([{},{"a":1},{"b":-1}])");
    auto extra = blocks;
    extra.push_back(0x00);
    std::string out;
    auto e = d->decode(extra.data(), extra.size(), out);
    REQUIRE(e);
    CHECK(e->message.find("bytes are left over") != std::string::npos);
    const auto u = avro(R"(["null","int"])");
    CHECK(decode_ok(*u, bytes({0x02, 0x07})) == R"({"int":-4})");
    const auto third = bytes({0x04, 0x02}); // branch 2 of 2
    e = u->decode(third.data(), third.size(), out);
    REQUIRE(e);
    CHECK(e->message.find("union branch 2 out of range") != std::string::npos);
}

TEST_CASE("a schema with references uses the named types they define") {
    const auto d = avro(R"({"type":"record","name":"Order","fields":[{"name":"who","type":"com.x.Customer"}]})",
                        {{"com.x.Customer", R"({"type":"record","name":"Customer","namespace":"com.x",)"
                                            R"("fields":[{"name":"name","type":"string"}]})"}});
    CHECK(decode_ok(*d, bytes({0x04, 'J', 'o'})) == R"({"who":{"name":"Jo"}})");
}

TEST_CASE("a schema of another type than the format is refused, naming it") {
    auto made = AvroDecoder::create(ResolvedSchema{{"PROTOBUF", "syntax = \"proto3\";", {}}, {}}, 8);
    REQUIRE(std::holds_alternative<DecodeError>(made));
    CHECK(std::get<DecodeError>(made).message == "schema id 8 is a PROTOBUF schema, not an Avro one");
}

TEST_CASE("the JSON line of a decoded record: the decoded JSON with its schema id beside it") {
    ss_record r{};
    r.struct_size = sizeof r;
    r.topic = "t";
    r.partition = 1;
    r.offset = 5;
    r.timestamp_ms = 7;
    r.timestamp_type = SS_TIMESTAMP_CREATE_TIME;
    r.key = "raw";
    r.key_len = 3;
    r.value = "\0\0\0\0\1x";
    r.value_len = 6;
    streamsubmit::sinks::DecodedFields decoded;
    decoded.value = true;
    decoded.value_json = R"({"a":1})";
    decoded.value_schema_id = 12;
    std::string out;
    streamsubmit::sinks::append_json_record(out, r, streamsubmit::sinks::json_record_prefix("t", 1), &decoded);
    CHECK(out == R"({"topic":"t","partition":1,"offset":5,"timestamp":7,"timestampType":"CreateTime","key":"raw",)"
                 R"("value":{"a":1},"valueSchemaId":12,"headers":[]})"
                 "\n");
}

TEST_CASE("Protobuf message indexes: a zigzag count, then the path; 0 alone is the first message") {
    const auto first = bytes({0x00, 0x08});
    const unsigned char *p = first.data();
    size_t n = first.size();
    auto r = parse_message_indexes(p, n);
    REQUIRE(std::holds_alternative<std::vector<int>>(r));
    CHECK(std::get<std::vector<int>>(r) == std::vector<int>{0});
    CHECK(n == 1);
    CHECK(*p == 0x08);

    const auto nested = bytes({0x04, 0x02, 0x06, 0x08}); // count 2: [1, 3]
    p = nested.data();
    n = nested.size();
    r = parse_message_indexes(p, n);
    REQUIRE(std::holds_alternative<std::vector<int>>(r));
    CHECK(std::get<std::vector<int>>(r) == std::vector<int>{1, 3});
    CHECK(n == 1);

    const auto cut = bytes({0x04, 0x02, 0x80}); // the second index never ends
    p = cut.data();
    n = cut.size();
    r = parse_message_indexes(p, n);
    REQUIRE(std::holds_alternative<DecodeError>(r));
    CHECK(std::get<DecodeError>(r).message == "its Protobuf message indexes are cut short");
}

TEST_CASE("libprotobuf decodes a message of .proto text with an import into proto3's JSON mapping") {
    ResolvedSchema schema{{"PROTOBUF", R"(syntax = "proto3"; package p; import "money.proto";
        message A { int32 x = 1; }
        message B { message C { string s = 1; } int64 id = 1; m.Money price = 2; repeated C cs = 3; })", {}}, {}};
    schema.references.push_back({SchemaReference{"money.proto", "money", 1},
                                 {"PROTOBUF", R"(syntax = "proto3"; package m; message Money { int64 units = 1; })", {}}});
    auto made = ProtobufDecoder::create(schema, 77);
    const std::string why = std::holds_alternative<DecodeError>(made) ? std::get<DecodeError>(made).message : "";
    INFO(why);
    REQUIRE(std::holds_alternative<std::shared_ptr<const ProtobufDecoder>>(made));
    const auto &d = *std::get<std::shared_ptr<const ProtobufDecoder>>(made);
    // Indexes [1] (message B): id=5, price{units=7}, cs[{s:"k"}].
    const auto b = bytes({0x02, 0x02, 0x08, 0x05, 0x12, 0x02, 0x08, 0x07, 0x1A, 0x03, 0x0A, 0x01, 'k'});
    std::string out;
    auto e = d.decode(b.data(), b.size(), out);
    REQUIRE(!e);
    CHECK(out == R"({"id":"5","price":{"units":"7"},"cs":[{"s":"k"}]})");
    // Indexes [1, 0] (B.C), and 0 (A).
    out.clear();
    const auto c = bytes({0x04, 0x02, 0x00, 0x0A, 0x02, 'h', 'i'});
    REQUIRE(!d.decode(c.data(), c.size(), out));
    CHECK(out == R"({"s":"hi"})");
    out.clear();
    const auto a = bytes({0x00, 0x08, 0x03});
    REQUIRE(!d.decode(a.data(), a.size(), out));
    CHECK(out == R"({"x":3})");
    // No third message; a message cut short.
    const auto none = bytes({0x02, 0x04, 0x08, 0x01});
    e = d.decode(none.data(), none.size(), out);
    REQUIRE(e);
    CHECK(e->message == "its message indexes [2] name no message of schema id 77");
    const auto cut_short = bytes({0x02, 0x02, 0x12, 0x05, 0x08});
    e = d.decode(cut_short.data(), cut_short.size(), out);
    REQUIRE(e);
    CHECK(e->message == "its payload (3 bytes) is not a p.B message of schema id 77");
}

TEST_CASE("a .proto that does not parse is refused, naming the line") {
    auto made = ProtobufDecoder::create(ResolvedSchema{{"PROTOBUF", "syntax = \"proto3\";\nmessage {", {}}, {}}, 5);
    REQUIRE(std::holds_alternative<DecodeError>(made));
    CHECK(std::get<DecodeError>(made).message.starts_with("libprotobuf cannot use the schema of schema id 5: line 2:"));
}
