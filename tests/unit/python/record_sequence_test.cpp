#include "decoder_of.h"
#include "raw_records.h"
#include "record_sequence.h"

#include "plugins/utf8.h"

#include <doctest/doctest.h>

#include <pybind11/embed.h>

#include <random>
#include <string>
#include <vector>

namespace py = pybind11;
using namespace streamsubmit::python;

namespace {

// What Python's strict utf-8 codec says of the bytes.
bool python_takes(const std::string &bytes) {
    PyObject *s = PyUnicode_DecodeUTF8(bytes.data(), static_cast<Py_ssize_t>(bytes.size()), "strict");
    if (!s) {
        PyErr_Clear();
        return false;
    }
    Py_DECREF(s);
    return true;
}

struct Produced {
    std::vector<std::string> keys, values;
    std::vector<ss_header> headers;
    std::vector<ss_record> records;
};

// Records of orders-2 from offset 100: key k<i> (null for every fifth), value v<i> (a tombstone
// for every seventh), and a header on every third.
Produced produced(size_t count) {
    Produced p;
    p.keys.reserve(count);
    p.values.reserve(count);
    p.headers = {{"trace", "t-1", 3}, {"empty", nullptr, 0}};
    for (size_t i = 0; i < count; ++i) {
        p.keys.push_back("k" + std::to_string(i % 4));
        p.values.push_back("value-" + std::to_string(i));
    }
    for (size_t i = 0; i < count; ++i) {
        ss_record r{};
        r.struct_size = sizeof r;
        r.topic = "orders";
        r.partition = 2;
        r.offset = 100 + static_cast<int64_t>(i);
        r.timestamp_ms = 1700000000000 + static_cast<int64_t>(i / 3);
        r.timestamp_type = 1;
        if (i % 5) {
            r.key = p.keys[i].data();
            r.key_len = p.keys[i].size();
        }
        if (i % 7) {
            r.value = p.values[i].data();
            r.value_len = p.values[i].size();
        }
        if (i % 3 == 0) {
            r.headers = p.headers.data();
            r.header_count = p.headers.size();
            r.header_stride = sizeof(ss_header);
        }
        p.records.push_back(r);
    }
    return p;
}

std::shared_ptr<RawRecords> kept(const Produced &p, size_t from, size_t until) {
    auto raw = std::make_shared<RawRecords>("orders", 2, p.records.data() + from, until - from, sizeof(ss_record));
    for (size_t i = from; i < until; ++i) raw->append(p.records[i]);
    return raw;
}

} // namespace

TEST_CASE("the UTF-8 check takes exactly what Python's strict codec takes") {
    const std::vector<std::string> cases = {
        "", "plain ascii, longer than eight bytes", "caf\xc3\xa9", "\xe2\x82\xac euro", "\xf0\x9f\x98\x80",
        "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\x9f\xbf", "\xef\xbf\xbf",
        "\xf0\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\x80",
        "abcdefg\xc3", "abcdefgh\xe2\x82", "12345678\xf0\x9f\x98", std::string("nul\0inside", 10)};
    for (const std::string &c : cases) CHECK_MESSAGE(streamsubmit::is_utf8(c.data(), c.size()) == python_takes(c), c);
    // Random bytes, mostly from the bytes that start and continue sequences.
    std::mt19937 random(7);
    const std::string alphabet = "a\x7f\x80\x8f\x90\x9f\xa0\xbf\xc0\xc2\xdf\xe0\xe1\xed\xef\xf0\xf3\xf4\xf5\xff";
    for (int round = 0; round < 20000; ++round) {
        std::string s(random() % 12, ' ');
        for (char &c : s) c = alphabet[random() % alphabet.size()];
        REQUIRE_MESSAGE(streamsubmit::is_utf8(s.data(), s.size()) == python_takes(s), round);
    }
}

TEST_CASE("kept records read back as the ABI gave them: nulls, empties, headers") {
    Produced p = produced(30);
    p.values[1].clear(); // an empty value, not a null one
    p.records[1].value_len = 0;
    auto raw = kept(p, 0, p.records.size());
    REQUIRE(raw->size() == 30);
    std::vector<ss_header> headers;
    for (size_t i = 0; i < 30; ++i) {
        const ss_record r = raw->at(i, headers), &want = p.records[i];
        CHECK(std::string(r.topic) == "orders");
        CHECK(r.partition == 2);
        CHECK(r.offset == want.offset);
        CHECK(r.timestamp_ms == want.timestamp_ms);
        CHECK((r.key == nullptr) == (want.key == nullptr));
        CHECK((r.value == nullptr) == (want.value == nullptr));
        if (want.key) CHECK(std::string(static_cast<const char *>(r.key), r.key_len) == p.keys[i]);
        if (want.value) CHECK(std::string(static_cast<const char *>(r.value), r.value_len) == p.values[i]);
        REQUIRE(r.header_count == want.header_count);
        for (size_t h = 0; h < r.header_count; ++h) {
            CHECK(std::string(ss_header_at(&r, h)->name) == p.headers[h].name);
            CHECK((ss_header_at(&r, h)->value == nullptr) == (p.headers[h].value == nullptr));
            CHECK(ss_header_at(&r, h)->value_len == p.headers[h].value_len);
        }
    }
    CHECK(raw->at(1, headers).value != nullptr);
}

TEST_CASE("records whose offsets or timestamps are more than 32 bits apart do not fit one RawRecords") {
    ss_record base{};
    base.struct_size = sizeof base;
    base.topic = "t";
    base.offset = 10;
    base.timestamp_ms = 1700000000000;
    RawRecords raw("t", 0, &base, 1, sizeof base);
    REQUIRE(raw.fits(base));
    raw.append(base);
    ss_record unknown = base, near = base, far_offset = base, far_time = base, early = base;
    unknown.offset = 11;
    unknown.timestamp_ms = -1;
    near.offset = 10 + int64_t{UINT32_MAX} - 1;
    near.timestamp_ms = 1700000000000 - 2000000000;
    far_offset.offset = 10 + int64_t{UINT32_MAX};
    far_time.timestamp_ms = 1700000000000 + 3000000000;
    early.offset = 9;
    CHECK(raw.fits(unknown));
    CHECK(raw.fits(near));
    CHECK_FALSE(raw.fits(far_offset));
    CHECK_FALSE(raw.fits(far_time));
    CHECK_FALSE(raw.fits(early));
    raw.append(unknown);
    raw.append(near);
    std::vector<ss_header> headers;
    CHECK(raw.at(1, headers).timestamp_ms == -1);
    CHECK(raw.at(1, headers).offset == 11);
    CHECK(raw.at(2, headers).offset == near.offset);
    CHECK(raw.at(2, headers).timestamp_ms == near.timestamp_ms);
    CHECK(raw.at(0, headers).timestamp_ms == base.timestamp_ms);
}

TEST_CASE("streamsubmit.Records: length, order, indexes, slices and iteration over made and kept parts") {
    py::module_ streamsubmit = py::module_::import("streamsubmit");
    const Produced p = produced(50);
    const Decoder utf8 = decoder_of("utf8");
    auto keys = std::make_shared<KeyCache>(utf8);
    // Records already made (a list, as the decoders that need Python give them) before kept ones.
    py::list made;
    RecordMaker maker("orders", 2);
    for (size_t i = 0; i < 10; ++i) {
        const ss_record &r = p.records[i];
        made.append(py::reinterpret_steal<py::object>(
            maker.make(r, keys->decode(r.key, r.key_len), utf8.decode(r.value, r.value_len).release().ptr())));
    }
    std::vector<RecordPart> parts;
    parts.push_back({made, nullptr});
    parts.push_back({py::object(), kept(p, 10, 30)});
    parts.push_back({py::object(), kept(p, 30, 30)}); // an empty part
    parts.push_back({py::object(), kept(p, 30, 50)});
    py::object records = make_record_sequence(std::move(parts), keys, utf8);

    py::dict scope;
    scope["records"] = records;
    py::exec(R"(
rs = list(records)
assert len(records) == 50 == len(rs), len(records)
assert [r.offset for r in rs] == list(range(100, 150))
assert [r.offset for r in records] == list(range(100, 150))  # a second pass
assert records[0].offset == 100 and records[10].offset == 110 and records[-1].offset == 149
assert [r.offset for r in records[8:13]] == [108, 109, 110, 111, 112]
assert [r.offset for r in records[::-10]] == [149, 139, 129, 119, 109]
assert records[5].key is None and records[6].key == "k2" and records[7].value is None
assert records[12].value == "value-12" and records[35].key is None and records[42].value is None
assert records[33].headers == (("trace", b"t-1"), ("empty", None)) and records[34].headers == ()
assert records[11].timestamp == 1700000000000 + 11 // 3 and records[11].timestamp_type == 1
assert records[11].topic == "orders" and records[11].partition == 2
assert records[11] == records[11] and tuple(records[11])[6] == "value-11"
it = iter(records)
assert it.__length_hint__() == 50
next(it)
assert it.__length_hint__() == 49
for bad in (50, -51):
    try:
        records[bad]
        raise AssertionError("no IndexError")
    except IndexError:
        pass
# A Record the job still holds is never made into another one (the iterator reuses only
# Records no one else holds).
held, prev, pairs = [], None, []
for i, r in enumerate(records):
    if i % 7 == 0:
        held.append(r)
    if prev is not None:
        pairs.append((prev.offset, prev.value, r.offset))
    prev = r
assert [r.offset for r in held] == list(range(100, 150, 7)), [r.offset for r in held]
assert all(r.value is None or r.value == "value-%d" % (r.offset - 100) for r in held)
assert pairs == [(o - 1, None if (o - 101) % 7 == 0 else "value-%d" % (o - 101), o) for o in range(101, 150)]
it = iter(records)
a, b, c = next(it), next(it), next(it)
assert (a.offset, b.offset, c.offset) == (100, 101, 102)
assert repr(records) == "<streamsubmit.Records of 50 records>"
try:
    type(records)()
    raise AssertionError("Records made from Python")
except TypeError:
    pass
)",
             scope);
    CHECK(py::len(records) == 50);
}

TEST_CASE("a part's first records can be left out (the records after a rejected one)") {
    py::module_::import("streamsubmit");
    const Produced p = produced(20);
    const Decoder utf8 = decoder_of("utf8");
    std::vector<RecordPart> parts;
    parts.push_back({py::object(), kept(p, 0, 10), 4});
    parts.push_back({py::object(), kept(p, 10, 20)});
    py::object records = make_record_sequence(std::move(parts), std::make_shared<KeyCache>(utf8), utf8);
    py::dict scope;
    scope["records"] = records;
    py::exec(R"(
assert len(records) == 16
assert [r.offset for r in records] == list(range(104, 120))
assert records[0].offset == 104 and records[6].offset == 110 and records[-1].offset == 119
)",
             scope);
}

TEST_CASE("Records outlive the job's decoders and key cache (a job may keep them)") {
    py::module_::import("streamsubmit");
    const Produced p = produced(5);
    py::object records;
    {
        const Decoder bytes = decoder_of("bytes");
        std::vector<RecordPart> parts;
        parts.push_back({py::object(), kept(p, 0, 5)});
        records = make_record_sequence(std::move(parts), std::make_shared<KeyCache>(bytes), bytes);
    }
    CHECK(py::bytes(records[py::int_(1)].attr("value")).cast<std::string>() == "value-1");
    CHECK(py::bytes(records[py::int_(1)].attr("key")).cast<std::string>() == "k1");
}
