#include "api_module.h"
#include "decoder_of.h"
#include "records.h"

#include <doctest/doctest.h>

#include <pybind11/embed.h>

#include <string>

namespace py = pybind11;
using streamsubmit::python::Decoder;
using streamsubmit::python::KeyCache;
using streamsubmit::python::RecordMaker;

namespace {

py::object steal(PyObject *o) {
    if (!o) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(o);
}

ss_record record_of(int64_t offset, int64_t timestamp_ms, const char *value) {
    ss_record r{};
    r.struct_size = sizeof(ss_record);
    r.topic = "orders";
    r.partition = 3;
    r.offset = offset;
    r.timestamp_ms = timestamp_ms;
    r.timestamp_type = 1;
    r.value = value;
    r.value_len = std::char_traits<char>::length(value);
    return r;
}

// A Record from the maker, as the plugin makes it: key "k", value bytes.
py::object made(RecordMaker &maker, const ss_record &r) {
    return steal(maker.make(r, steal(PyUnicode_FromString("k")).release().ptr(),
                            steal(PyBytes_FromStringAndSize(static_cast<const char *>(r.value),
                                                            static_cast<Py_ssize_t>(r.value_len)))
                                .release()
                                .ptr()));
}

} // namespace

TEST_CASE("a utf8 key seen before is the same str; other bytes, another; null is None") {
    const Decoder utf8 = decoder_of("utf8");
    KeyCache keys(utf8);
    const py::object a = steal(keys.decode("key-0001", 8));
    const py::object again = steal(keys.decode("key-0001", 8));
    const py::object b = steal(keys.decode("key-0002", 8));
    CHECK(a.is(again));
    CHECK(a.cast<std::string>() == "key-0001");
    CHECK(b.cast<std::string>() == "key-0002");
    CHECK_FALSE(a.is(b));
    CHECK(steal(keys.decode(nullptr, 0)).is_none());
    CHECK(steal(keys.decode("", 0)).cast<std::string>().empty());
    // a prefix of a cached key is not that key
    CHECK(steal(keys.decode("key-000", 7)).cast<std::string>() == "key-000");
}

TEST_CASE("every key of a key space larger than the table decodes to itself") {
    const Decoder utf8 = decoder_of("utf8");
    KeyCache keys(utf8);
    for (int round = 0; round < 2; ++round)
        for (int i = 0; i < 3 * static_cast<int>(KeyCache::kSlots); ++i) {
            const std::string key = "k" + std::to_string(i);
            REQUIRE(steal(keys.decode(key.data(), key.size())).cast<std::string>() == key);
        }
}

TEST_CASE("the key cache refuses invalid UTF-8 as the decoder does, and caches nothing for it") {
    const Decoder utf8 = decoder_of("utf8");
    KeyCache keys(utf8);
    for (int i = 0; i < 2; ++i) {
        try {
            steal(keys.decode("caf\xe9", 4));
            FAIL("no exception");
        } catch (py::error_already_set &e) {
            CHECK(e.matches(PyExc_UnicodeDecodeError));
        }
    }
}

TEST_CASE("keys longer than the table keeps, bytes keys, and json keys (mutable) are decoded each time") {
    const Decoder utf8 = decoder_of("utf8");
    KeyCache keys(utf8);
    const std::string long_key(KeyCache::kMaxBytes + 1, 'x');
    const py::object l1 = steal(keys.decode(long_key.data(), long_key.size()));
    CHECK(l1.cast<std::string>() == long_key);

    const Decoder bytes = decoder_of("bytes");
    KeyCache bytes_keys(bytes);
    const py::object b1 = steal(bytes_keys.decode("ab", 2));
    CHECK(PyBytes_Check(b1.ptr()));
    CHECK(b1.is(steal(bytes_keys.decode("ab", 2))));

    const Decoder json = decoder_of("json");
    KeyCache json_keys(json);
    const py::object j1 = steal(json_keys.decode("[1]", 3));
    const py::object j2 = steal(json_keys.decode("[1]", 3));
    CHECK_FALSE(j1.is(j2)); // a list the job may change: never shared between records
    CHECK(j1.equal(j2));
}

TEST_CASE("a Record: named fields and tuple positions agree; the same timestamp is one int") {
    py::module_::import("streamsubmit"); // makes the Record type
    RecordMaker maker("orders", 3);
    const ss_record r1 = record_of(41, 1700000000000, "v1");
    const ss_record r2 = record_of(42, 1700000000000, "v2");
    const ss_record r3 = record_of(43, 1700000000001, "v3");
    const py::object a = made(maker, r1), b = made(maker, r2), c = made(maker, r3);
    CHECK(py::str(a.attr("topic")).cast<std::string>() == "orders");
    CHECK(a.attr("partition").cast<int>() == 3);
    CHECK(a.attr("offset").cast<int64_t>() == 41);
    CHECK(b.attr("offset").cast<int64_t>() == 42);
    CHECK(a.attr("timestamp").cast<int64_t>() == 1700000000000);
    CHECK(py::object(a.attr("timestamp")).is(b.attr("timestamp")));
    CHECK(c.attr("timestamp").cast<int64_t>() == 1700000000001);
    CHECK(a.attr("timestamp_type").cast<int>() == 1);
    CHECK(a.attr("key").cast<std::string>() == "k");
    CHECK(a.attr("value").cast<std::string>() == "v1");
    CHECK(py::len(a.attr("headers")) == 0);
    CHECK(py::len(a) == 8);
    CHECK(py::object(a[py::int_(6)]).is(a.attr("value")));
    CHECK(py::object(a[py::int_(2)]).equal(py::object(a.attr("offset"))));
    const std::string repr = py::repr(a);
    CHECK(repr.find("streamsubmit.Record(topic='orders', partition=3, offset=41") == 0);
}

TEST_CASE("a Record's headers: (name, bytes or None) in the record's order") {
    py::module_::import("streamsubmit");
    RecordMaker maker("orders", 0);
    ss_record r = record_of(1, 5, "v");
    const ss_header headers[] = {{"trace", "abc", 3}, {"empty", nullptr, 0}};
    r.headers = headers;
    r.header_count = 2;
    r.header_stride = sizeof(ss_header);
    const py::object rec = made(maker, r);
    const py::object h = rec.attr("headers");
    REQUIRE(py::len(h) == 2);
    CHECK(py::str(h[py::int_(0)][py::int_(0)]).cast<std::string>() == "trace");
    CHECK(h[py::int_(0)][py::int_(1)].cast<std::string>() == "abc");
    CHECK(PyBytes_Check(py::object(h[py::int_(0)][py::int_(1)]).ptr()));
    CHECK(py::str(h[py::int_(1)][py::int_(0)]).cast<std::string>() == "empty");
    CHECK(h[py::int_(1)][py::int_(1)].is_none());
}

TEST_CASE("Record's attributes are read-only and never missing") {
    py::module_::import("streamsubmit");
    RecordMaker maker("t", 0);
    const py::object rec = made(maker, record_of(7, -1, "x"));
    CHECK(rec.attr("timestamp").cast<int64_t>() == -1);
    try {
        rec.attr("value") = py::int_(1);
        FAIL("an attribute was set");
    } catch (py::error_already_set &e) {
        CHECK(e.matches(PyExc_AttributeError));
    }
    const py::object record_type = py::module_::import("streamsubmit").attr("Record");
    CHECK(py::hasattr(record_type, "key"));
    CHECK(py::str(record_type.attr("key").attr("__doc__")).cast<std::string>().find("decoded") != std::string::npos);
}
