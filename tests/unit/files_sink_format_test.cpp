#include "plugins/utf8.h"
#include "plugins/sinks/support/record_format.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>

using namespace streamsubmit::sinks;

namespace {

ss_record record(const void *key, size_t key_len, const void *value, size_t value_len,
                 const ss_header *headers = nullptr, size_t header_count = 0) {
    return ss_record{.struct_size = sizeof(ss_record), .partition = 3, .topic = "orders", .offset = 42,
                     .timestamp_ms = 1700000000123, .timestamp_type = SS_TIMESTAMP_CREATE_TIME, .key = key,
                     .key_len = key_len, .value = value, .value_len = value_len, .headers = headers,
                     .header_count = header_count, .header_stride = sizeof(ss_header), .range_index = 0};
}

nlohmann::json json_of(const ss_record &r) {
    std::string out;
    append_json_record(out, r);
    REQUIRE(out.back() == '\n');
    REQUIRE(out.find('\n') == out.size() - 1); // one line per record
    return nlohmann::json::parse(out);
}

} // namespace

TEST_CASE("a UTF-8 record is one JSON line with exactly kcat -J's fields") {
    const std::string key = "k\"1\\", value = "v\n\t\x01 é";
    const auto j = json_of(record(key.data(), key.size(), value.data(), value.size()));
    CHECK(j.size() == 8);
    CHECK(j["topic"] == "orders");
    CHECK(j["partition"] == 3);
    CHECK(j["offset"] == 42);
    CHECK(j["timestamp"] == 1700000000123);
    CHECK(j["timestampType"] == "CreateTime");
    CHECK(j["key"] == key);
    CHECK(j["value"] == value);
    CHECK(j["headers"] == nlohmann::json::array());
}

TEST_CASE("escapes are found anywhere in long strings (8 bytes at a time)") {
    for (size_t at = 0; at < 40; ++at)
        for (const char special : {'"', '\\', '\n', '\x1f', '\x01'}) {
            std::string value(40, 'x');
            value[at] = special;
            value += "\xc3\xa9 tail"; // multi-byte UTF-8 after it
            const auto j = json_of(record("k", 1, value.data(), value.size()));
            CHECK(j["value"] == value);
        }
}

TEST_CASE("null is JSON null, empty is an empty string") {
    const auto j = json_of(record(nullptr, 0, "", 0));
    CHECK(j["key"].is_null());
    CHECK(j["value"] == "");
    CHECK(json_of(record("", 0, nullptr, 0))["value"].is_null());
}

TEST_CASE("bytes that are not UTF-8 are base64 with an encoding field") {
    const unsigned char key[] = {0xff, 0x00, 0x10};
    const unsigned char value[] = {0xc3, 0x28}; // an invalid two-byte sequence
    const auto j = json_of(record(key, sizeof key, value, sizeof value));
    CHECK(j["key"] == "/wAQ");
    CHECK(j["keyEncoding"] == "base64");
    CHECK(j["value"] == "wyg=");
    CHECK(j["valueEncoding"] == "base64");
    CHECK(j.size() == 10);
}

TEST_CASE("headers keep order and repeats; a binary value is marked, a null value is null") {
    const unsigned char bin[] = {0x80};
    const ss_header headers[] = {{"trace", "abc", 3}, {"trace", bin, 1}, {"gone", nullptr, 0}};
    const auto j = json_of(record("k", 1, "v", 1, headers, 3));
    CHECK(j["headers"] == nlohmann::json::parse(R"([["trace","abc"],["trace","gA==","base64"],["gone",null]])"));
}

TEST_CASE("UTF-8 validation rejects overlongs, surrogates and truncation") {
    auto ok = [](const std::string &s) { return streamsubmit::is_utf8(s.data(), s.size()); };
    CHECK(ok("plain ascii longer than eight bytes"));
    CHECK(ok("\xe2\x82\xac \xf0\x9f\x98\x80"));
    CHECK_FALSE(ok("\xc0\xaf"));         // overlong '/'
    CHECK_FALSE(ok("\xed\xa0\x80"));     // a surrogate
    CHECK_FALSE(ok("abcdefgh\xe2\x82")); // truncated
    CHECK_FALSE(ok("\xf4\x90\x80\x80")); // above U+10FFFF
}

TEST_CASE("raw records and delimiter escapes") {
    std::string error;
    const std::string delimiter = unescape("\\x1e\\n", error);
    CHECK(error.empty());
    CHECK(delimiter == "\x1e\n");
    std::string out;
    append_raw_record(out, record("k", 1, "abc", 3), delimiter);
    append_raw_record(out, record("k", 1, nullptr, 0), delimiter);
    CHECK(out == "abc\x1e\n\x1e\n");
    unescape("\\q", error);
    CHECK(error == "unknown escape \\q");
}

TEST_CASE("the timestamp's type is named as Kafka names it") {
    auto r = record(nullptr, 0, nullptr, 0);
    CHECK(json_of(r)["timestampType"] == "CreateTime");
    r.timestamp_type = SS_TIMESTAMP_LOG_APPEND_TIME;
    CHECK(json_of(r)["timestampType"] == "LogAppendTime");
    r.timestamp_type = SS_TIMESTAMP_NOT_AVAILABLE;
    r.timestamp_ms = -1;
    const auto j = json_of(r);
    CHECK(j["timestampType"] == "NoTimestampType");
    CHECK(j["timestamp"] == -1);
    // The field order is fixed: the files sink finds the offset right after the partition.
    std::string line;
    append_json_record(line, r);
    CHECK(line.starts_with("{\"topic\":\"orders\",\"partition\":3,\"offset\":42,\"timestamp\":-1,"
                           "\"timestampType\":\"NoTimestampType\",\"key\":null,"));
}
