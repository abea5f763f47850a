#include "avro_objects.h"

#include <datetime.h>

#include <string>

namespace py = pybind11;
using streamsubmit::schema::AvroKind;
using streamsubmit::schema::AvroLogicalKind;
using streamsubmit::schema::AvroReadError;
using streamsubmit::schema::AvroView;

namespace streamsubmit::python {
namespace {

constexpr int64_t kMicrosPerDay = 86'400'000'000LL;

// Made once by init_avro_objects (create, one thread), never freed: reader threads use them
// until the process ends, after the interpreter may be gone.
struct Types {
    PyObject *decimal = nullptr, *uuid = nullptr;
    PyObject *epoch_utc = nullptr, *epoch_naive = nullptr, *epoch_date = nullptr;
};
Types g_types;

// A Python failure while making a value (a string that is not UTF-8, a date past year 9999):
// the value is not one Python can hold, which decodes no record.
[[noreturn]] void throw_python_error(const char *what) {
    py::error_already_set e;
    throw AvroReadError(std::string(what) + ": " + e.what());
}

py::object steal(PyObject *o, const char *what) {
    if (!o) throw_python_error(what);
    return py::reinterpret_steal<py::object>(o);
}

// `base` + `micros` (a datetime or date), as fastavro computes it: epoch + timedelta.
py::object after_epoch(PyObject *base, int64_t micros, const char *what) {
    int64_t days = micros / kMicrosPerDay, rest = micros % kMicrosPerDay;
    if (rest < 0) {
        rest += kMicrosPerDay;
        --days;
    }
    py::object delta = steal(PyDelta_FromDSU(static_cast<int>(days), static_cast<int>(rest / 1'000'000),
                                             static_cast<int>(rest % 1'000'000)),
                             what);
    return steal(PyNumber_Add(base, delta.ptr()), what);
}

int64_t millis_to_micros(int64_t ms, const char *what) {
    int64_t us = 0;
    if (__builtin_mul_overflow(ms, int64_t{1000}, &us)) throw AvroReadError(std::string(what) + ": out of range");
    return us;
}

py::object time_of_day(int64_t micros, const char *what) {
    if (micros < 0 || micros >= kMicrosPerDay)
        throw AvroReadError(std::string(what) + " " + std::to_string(micros) + " us is not a time of day");
    const int64_t s = micros / 1'000'000;
    return steal(PyTime_FromTime(static_cast<int>(s / 3600), static_cast<int>(s / 60 % 60), static_cast<int>(s % 60),
                                 static_cast<int>(micros % 1'000'000)),
                 what);
}

// A two's-complement big-endian unscaled integer and the schema's scale: Decimal("<n>E-<scale>"),
// exact (no context rounding) and with the scale's exponent, as fastavro's Decimal('1.50').
py::object decimal_of(std::string_view bytes, int scale) {
    py::object unscaled = steal(_PyLong_FromByteArray(reinterpret_cast<const unsigned char *>(bytes.data()),
                                                      bytes.size(), /*little_endian=*/0, /*is_signed=*/1),
                                "a decimal");
    const std::string text = py::str(unscaled).cast<std::string>() + "E" + std::to_string(-scale);
    return steal(PyObject_CallOneArg(g_types.decimal, py::str(text).ptr()), "a decimal");
}

py::object string_of(std::string_view s) {
    return steal(PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "strict"), "a string");
}

py::object int_of(const AvroView &v) {
    const int32_t n = v.int32();
    switch (v.logical().kind) {
    case AvroLogicalKind::Date: return after_epoch(g_types.epoch_date, int64_t{n} * kMicrosPerDay, "a date");
    case AvroLogicalKind::TimeMillis: return time_of_day(int64_t{n} * 1000, "a time-millis");
    default: return steal(PyLong_FromLong(n), "an int");
    }
}

py::object long_of(const AvroView &v) {
    const int64_t n = v.int64();
    switch (v.logical().kind) {
    case AvroLogicalKind::TimeMicros: return time_of_day(n, "a time-micros");
    case AvroLogicalKind::TimestampMillis:
        return after_epoch(g_types.epoch_utc, millis_to_micros(n, "a timestamp-millis"), "a timestamp-millis");
    case AvroLogicalKind::TimestampMicros: return after_epoch(g_types.epoch_utc, n, "a timestamp-micros");
    case AvroLogicalKind::LocalTimestampMillis:
        return after_epoch(g_types.epoch_naive, millis_to_micros(n, "a local-timestamp-millis"),
                           "a local-timestamp-millis");
    case AvroLogicalKind::LocalTimestampMicros: return after_epoch(g_types.epoch_naive, n, "a local-timestamp-micros");
    default: return steal(PyLong_FromLongLong(n), "a long");
    }
}

py::object bytes_of(const AvroView &v) {
    const auto b = v.bytes();
    if (v.logical().kind == AvroLogicalKind::Decimal) return decimal_of(b, v.logical().scale);
    return steal(PyBytes_FromStringAndSize(b.data(), static_cast<Py_ssize_t>(b.size())), "bytes");
}

py::object dict_of(const AvroView &v) {
    py::object dict = steal(PyDict_New(), "a dict");
    const size_t n = v.size();
    for (size_t i = 0; i < n; ++i) {
        std::string_view name;
        const AvroView part = v.child(i, &name);
        py::object item = avro_object(part);
        if (PyDict_SetItem(dict.ptr(), string_of(name).ptr(), item.ptr()) != 0) throw_python_error("a dict");
    }
    return dict;
}

py::object list_of(const AvroView &v) {
    const size_t n = v.size();
    py::object list = steal(PyList_New(static_cast<Py_ssize_t>(n)), "a list");
    for (size_t i = 0; i < n; ++i)
        PyList_SET_ITEM(list.ptr(), static_cast<Py_ssize_t>(i), avro_object(v.child(i)).release().ptr());
    return list;
}

} // namespace

void init_avro_objects() {
    if (g_types.decimal) return;
    PyDateTime_IMPORT;
    if (!PyDateTimeAPI) throw py::error_already_set();
    py::module_ datetime = py::module_::import("datetime");
    py::object utc = datetime.attr("timezone").attr("utc");
    g_types.decimal = py::object(py::module_::import("decimal").attr("Decimal")).release().ptr();
    g_types.uuid = py::object(py::module_::import("uuid").attr("UUID")).release().ptr();
    g_types.epoch_utc = datetime.attr("datetime")(1970, 1, 1, 0, 0, 0, 0, utc).release().ptr();
    g_types.epoch_naive = datetime.attr("datetime")(1970, 1, 1).release().ptr();
    g_types.epoch_date = datetime.attr("date")(1970, 1, 1).release().ptr();
}

py::object avro_object(const AvroView &v) {
    switch (v.kind()) {
    case AvroKind::Null: return py::none();
    case AvroKind::Boolean: return py::bool_(v.boolean());
    case AvroKind::Int: return int_of(v);
    case AvroKind::Long: return long_of(v);
    case AvroKind::Float: return steal(PyFloat_FromDouble(static_cast<double>(v.float32())), "a float");
    case AvroKind::Double: return steal(PyFloat_FromDouble(v.float64()), "a double");
    case AvroKind::String:
        if (v.logical().kind == AvroLogicalKind::Uuid)
            return steal(PyObject_CallOneArg(g_types.uuid, string_of(v.string()).ptr()), "a uuid");
        return string_of(v.string());
    case AvroKind::Enum: return string_of(v.string());
    case AvroKind::Bytes:
    case AvroKind::Fixed: return bytes_of(v);
    case AvroKind::Record:
    case AvroKind::Map: return dict_of(v);
    case AvroKind::Array: return list_of(v);
    }
    throw AvroReadError("a value of an unknown kind");
}

} // namespace streamsubmit::python
