// How a record's key or value becomes a Python object: app.python.keyDecoder and
// app.python.valueDecoder = utf8 (PySpark's default) | bytes | json | module:function.
#pragma once

#include <pybind11/pybind11.h>

#include <cstddef>
#include <string>

namespace streamsubmit::python {

class Decoder {
public:
    // With the GIL held, after sys.path is complete (module:function imports the module).
    // False: `error` says why.
    static bool make(const std::string &spec, Decoder &out, std::string &error);

    // With the GIL held. NULL bytes (Kafka's null) -> None. Throws pybind11::error_already_set
    // when the bytes do not decode (strict: never a replaced character).
    pybind11::object decode(const void *data, size_t len) const;

    const std::string &name() const { return spec_; }

    // utf8 and bytes: checked without Python (takes), their objects made from the bytes alone.
    bool plain() const { return kind_ == Kind::Utf8 || kind_ == Kind::Bytes; }
    // Any thread, no GIL, for a plain decoder: whether decode would take the bytes.
    bool takes(const void *data, size_t len) const;

private:
    enum class Kind { Utf8, Bytes, Json, Function } kind_ = Kind::Utf8;
    std::string spec_ = "utf8";
    pybind11::object function_; // json.loads or the user's function
};

} // namespace streamsubmit::python
