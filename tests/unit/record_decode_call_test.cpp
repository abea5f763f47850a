// The ABI 2.3 decode host call as a plugin makes it (runtime/plugin/record_decode): arguments
// checked, a null part, a buffer per part and thread, errors passed through.
#include "runtime/plugin/record_decode.h"

#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <thread>

using namespace streamsubmit::runtime;

namespace {

// Decodes "k" or "v" parts as {"part":"<the bytes>"} with id 5; bytes "bad" fail.
RecordDecodeFn fake() {
    return [](const ss_record &r, ss_record_part part, std::string &json, int32_t &id, bool &is_null, ss_error *err) {
        const void *data = part == SS_PART_KEY ? r.key : r.value;
        const size_t len = part == SS_PART_KEY ? r.key_len : r.value_len;
        if (!data) {
            is_null = true;
            return SS_OK;
        }
        const std::string bytes(static_cast<const char *>(data), len);
        if (bytes == "bad") return ss_error_set(err, SS_ERR_BAD_RECORD, "cannot decode");
        json = R"({"part":")" + bytes + R"("})";
        id = 5;
        return SS_OK;
    };
}

ss_record record(const char *key, const char *value) {
    ss_record r{};
    r.struct_size = sizeof r;
    r.topic = "t";
    r.key = key;
    r.key_len = key ? std::strlen(key) : 0;
    r.value = value;
    r.value_len = value ? std::strlen(value) : 0;
    return r;
}

} // namespace

TEST_CASE("decode: the key's JSON stays valid while the value is decoded; a null part is NULL with id -1") {
    RecordDecodeFn fn = fake();
    ss_error err = SS_ERROR_INIT;
    const ss_record r = record("k", "v");
    const char *key = nullptr, *value = nullptr;
    size_t key_len = 0, value_len = 0;
    int32_t key_id = 0, value_id = 0;
    REQUIRE(decode_for_plugin(&fn, &r, SS_PART_KEY, &key, &key_len, &key_id, &err) == SS_OK);
    REQUIRE(decode_for_plugin(&fn, &r, SS_PART_VALUE, &value, &value_len, &value_id, &err) == SS_OK);
    CHECK(std::string(key, key_len) == R"({"part":"k"})");
    CHECK(key[key_len] == '\0');
    CHECK(std::string(value) == R"({"part":"v"})");
    CHECK(key_id == 5);
    const ss_record tombstone = record("k", nullptr);
    REQUIRE(decode_for_plugin(&fn, &tombstone, SS_PART_VALUE, &value, &value_len, &value_id, &err) == SS_OK);
    CHECK(value == nullptr);
    CHECK(value_len == 0);
    CHECK(value_id == -1);
}

TEST_CASE("decode: a failure passes its status and message; NULL arguments and a wrong part are refused") {
    RecordDecodeFn fn = fake();
    ss_error err = SS_ERROR_INIT;
    const ss_record bad = record(nullptr, "bad");
    const char *json = "untouched";
    size_t len = 9;
    int32_t id = 9;
    CHECK(decode_for_plugin(&fn, &bad, SS_PART_VALUE, &json, &len, &id, &err) == SS_ERR_BAD_RECORD);
    CHECK(std::string(err.message) == "cannot decode");
    CHECK(json == nullptr);
    CHECK(id == -1);
    CHECK(decode_for_plugin(&fn, nullptr, SS_PART_VALUE, &json, &len, &id, &err) == SS_ERR_CONFIG);
    CHECK(decode_for_plugin(&fn, &bad, SS_PART_VALUE, nullptr, &len, &id, &err) == SS_ERR_CONFIG);
    CHECK(decode_for_plugin(&fn, &bad, static_cast<ss_record_part>(7), &json, &len, &id, &err) == SS_ERR_CONFIG);
}

TEST_CASE("decode: each thread has its own buffers") {
    RecordDecodeFn fn = fake();
    const ss_record mine = record(nullptr, "mine");
    ss_error err = SS_ERROR_INIT;
    const char *json = nullptr;
    size_t len = 0;
    int32_t id = 0;
    REQUIRE(decode_for_plugin(&fn, &mine, SS_PART_VALUE, &json, &len, &id, &err) == SS_OK);
    std::thread([&] {
        const ss_record theirs = record(nullptr, "theirs");
        ss_error e = SS_ERROR_INIT;
        const char *other = nullptr;
        size_t n = 0;
        int32_t i = 0;
        CHECK(decode_for_plugin(&fn, &theirs, SS_PART_VALUE, &other, &n, &i, &e) == SS_OK);
    }).join();
    CHECK(std::string(json, len) == R"({"part":"mine"})");
}
