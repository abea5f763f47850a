#include "decoders.h"

#include "raw_records.h"

#include "plugins/utf8.h"

namespace py = pybind11;

namespace streamsubmit::python {

bool Decoder::make(const std::string &spec, Decoder &out, std::string &error) {
    out.spec_ = spec;
    if (spec == "utf8" || spec.empty()) {
        out.kind_ = Kind::Utf8;
        out.spec_ = "utf8";
        return true;
    }
    if (spec == "bytes") {
        out.kind_ = Kind::Bytes;
        return true;
    }
    if (spec == "json") {
        out.kind_ = Kind::Json;
        out.function_ = py::module_::import("json").attr("loads");
        return true;
    }
    const auto colon = spec.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) {
        error = "unknown decoder '" + spec + "': use utf8, bytes, json or module:function";
        return false;
    }
    try {
        out.kind_ = Kind::Function;
        out.function_ = py::module_::import(spec.substr(0, colon).c_str()).attr(spec.substr(colon + 1).c_str());
        if (!PyCallable_Check(out.function_.ptr())) {
            error = "decoder '" + spec + "' is not a function";
            return false;
        }
    } catch (py::error_already_set &e) {
        error = "cannot load decoder '" + spec + "': " + std::string(e.what()).substr(0, 400) +
                " (a module from --py-files, the job's directory or app.python.venv)";
        return false;
    }
    return true;
}

bool Decoder::takes(const void *data, size_t len) const {
    return !data || kind_ == Kind::Bytes || (kind_ == Kind::Utf8 && is_utf8(data, len));
}

py::object Decoder::decode(const void *data, size_t len) const {
    if (!data) return py::none();
    const char *text = static_cast<const char *>(data);
    switch (kind_) {
    case Kind::Utf8: {
        PyObject *s = PyUnicode_DecodeUTF8(text, static_cast<Py_ssize_t>(len), "strict");
        if (!s) throw py::error_already_set();
        return py::reinterpret_steal<py::object>(s);
    }
    case Kind::Bytes: return py::bytes(text, len);
    case Kind::Json:
    case Kind::Function: return function_(py::bytes(text, len));
    }
    return py::none();
}

} // namespace streamsubmit::python
