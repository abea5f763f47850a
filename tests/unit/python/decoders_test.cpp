#include "decoder_of.h"
#include "decoders.h"

#include <doctest/doctest.h>

#include <pybind11/embed.h>

#include <string>

namespace py = pybind11;
using streamsubmit::python::Decoder;

namespace {

std::string refusal(const std::string &spec) {
    Decoder d;
    std::string error;
    CHECK_FALSE(Decoder::make(spec, d, error));
    return error;
}

// A module the user's decoding function comes from, as --py-files would make importable.
// One module per run: its definition must outlive the interpreter.
void define_module(const char *name, const char *code) {
    static py::module_::module_def def;
    py::module_ m = py::module_::create_extension_module(name, nullptr, &def);
    py::exec(code, m.attr("__dict__"));
    py::module_::import("sys").attr("modules")[name] = m;
}

std::string type_of(const py::object &o) { return py::str(py::type::of(o).attr("__name__")).cast<std::string>(); }

} // namespace

TEST_CASE("utf8, the default: str, and None for Kafka's null") {
    for (const std::string spec : {"utf8", ""}) {
        const Decoder d = decoder_of(spec);
        CHECK(d.name() == "utf8");
        const py::object s = d.decode("caf\xc3\xa9", 5);
        CHECK(type_of(s) == "str");
        CHECK(s.cast<std::string>() == "caf\xc3\xa9");
        CHECK(d.decode(nullptr, 0).is_none());
        CHECK(d.decode("", 0).cast<std::string>() == "");
    }
}

TEST_CASE("utf8 is strict: invalid bytes raise UnicodeDecodeError, never a replaced character") {
    const Decoder d = decoder_of("utf8");
    try {
        d.decode("caf\xe9", 4);
        FAIL("no exception");
    } catch (py::error_already_set &e) {
        CHECK(e.matches(PyExc_UnicodeDecodeError));
    }
}

TEST_CASE("bytes: the bytes as they are, NUL and invalid UTF-8 included") {
    const Decoder d = decoder_of("bytes");
    const py::object b = d.decode("a\0\xff", 3);
    CHECK(type_of(b) == "bytes");
    CHECK(b.cast<std::string>() == std::string("a\0\xff", 3));
    CHECK(d.decode(nullptr, 0).is_none());
}

TEST_CASE("json: json.loads of the bytes; invalid JSON raises") {
    const Decoder d = decoder_of("json");
    const py::object v = d.decode(R"({"n": [1, "x"]})", 15);
    CHECK(type_of(v) == "dict");
    CHECK(py::repr(v).cast<std::string>() == "{'n': [1, 'x']}");
    CHECK(d.decode(nullptr, 0).is_none());
    CHECK_THROWS_AS(d.decode("{nope", 5), py::error_already_set);
}

TEST_CASE("module:function: the user's function, given the bytes; its exception propagates") {
    define_module("ss_test_decoders", "def rev(b):\n"
                                      "    if b == b'bad': raise ValueError('refused')\n"
                                      "    return b[::-1]\n"
                                      "NOT_CALLABLE = 3\n");
    const Decoder d = decoder_of("ss_test_decoders:rev");
    CHECK(d.name() == "ss_test_decoders:rev");
    CHECK(d.decode("abc", 3).cast<std::string>() == "cba");
    CHECK(d.decode(nullptr, 0).is_none()); // null never reaches the function
    try {
        d.decode("bad", 3);
        FAIL("no exception");
    } catch (py::error_already_set &e) {
        CHECK(e.matches(PyExc_ValueError));
    }
    CHECK(refusal("ss_test_decoders:NOT_CALLABLE") == "decoder 'ss_test_decoders:NOT_CALLABLE' is not a function");
}

TEST_CASE("a decoder that cannot be made says why") {
    CHECK(refusal("utf-16") == "unknown decoder 'utf-16': use utf8, bytes, json or module:function");
    CHECK(refusal(":f").find("unknown decoder") == 0);
    CHECK(refusal("mod:").find("unknown decoder") == 0);
    const std::string missing = refusal("no_such_module_here:f");
    CHECK(missing.find("cannot load decoder 'no_such_module_here:f'") == 0);
    CHECK(missing.find("No module named 'no_such_module_here'") != std::string::npos);
    const std::string no_function = refusal("json:no_such_function");
    CHECK(no_function.find("cannot load decoder 'json:no_such_function'") == 0);
}
