#include "records.h"

#include "api_module.h"

#include <structmember.h>

#include <cstring>
#include <functional>
#include <string_view>

namespace py = pybind11;

namespace streamsubmit::python {

KeyCache::KeyCache(const Decoder &decoder)
    // utf8 and bytes give equal immutable objects for equal bytes and run no Python code;
    // json or a user's function may give mutable objects (or depend on more than the bytes).
    : decoder_(decoder), enabled_(decoder.name() == "utf8" || decoder.name() == "bytes") {
    if (enabled_) slots_.resize(kSlots);
}

KeyCache::~KeyCache() {
    for (Slot &s : slots_) Py_XDECREF(s.object);
}

PyObject *KeyCache::decode(const void *data, size_t len) {
    if (!data) Py_RETURN_NONE;
    if (!enabled_ || len > kMaxBytes) return decoder_.decode(data, len).release().ptr();
    const std::string_view bytes(static_cast<const char *>(data), len);
    Slot &slot = slots_[std::hash<std::string_view>{}(bytes) % kSlots];
    if (slot.object && slot.len == len && std::memcmp(slot.bytes, data, len) == 0) {
        Py_INCREF(slot.object);
        return slot.object;
    }
    PyObject *decoded = decoder_.decode(data, len).release().ptr(); // throws when it does not decode
    PyObject *evicted = slot.object;
    slot.object = Py_NewRef(decoded);
    slot.len = static_cast<uint32_t>(len);
    std::memcpy(slot.bytes, data, len);
    Py_XDECREF(evicted); // a str or bytes: frees memory, runs no Python code
    return decoded;
}

RecordMaker::RecordMaker(const char *topic, int32_t partition) {
    topic_ = PyUnicode_FromString(topic);
    partition_ = PyLong_FromLong(partition);
    no_headers_ = PyTuple_New(0);
    if (!topic_ || !partition_ || !no_headers_) {
        Py_XDECREF(topic_);
        Py_XDECREF(partition_);
        Py_XDECREF(no_headers_);
        throw py::error_already_set();
    }
}

RecordMaker::~RecordMaker() {
    Py_DECREF(topic_);
    Py_DECREF(partition_);
    Py_DECREF(no_headers_);
    Py_XDECREF(timestamp_);
}

PyObject *RecordMaker::timestamp(int64_t ms) {
    if (!timestamp_ || ms != timestamp_ms_) {
        PyObject *made = PyLong_FromLongLong(ms);
        if (!made) return nullptr;
        Py_XSETREF(timestamp_, made);
        timestamp_ms_ = ms;
    }
    return Py_NewRef(timestamp_);
}

namespace {

PyObject *headers_of(const ss_record &r) {
    PyObject *headers = PyTuple_New(static_cast<Py_ssize_t>(r.header_count));
    if (!headers) return nullptr;
    for (size_t i = 0; i < r.header_count; ++i) {
        const ss_header *h = ss_header_at(&r, i);
        PyObject *value = h->value ? PyBytes_FromStringAndSize(static_cast<const char *>(h->value),
                                                               static_cast<Py_ssize_t>(h->value_len))
                                   : Py_NewRef(Py_None);
        PyObject *pair = value ? PyTuple_New(2) : nullptr;
        PyObject *name = pair ? PyUnicode_FromString(h->name ? h->name : "") : nullptr;
        if (!name) {
            Py_XDECREF(pair);
            Py_XDECREF(value);
            Py_DECREF(headers);
            return nullptr;
        }
        PyTuple_SET_ITEM(pair, 0, name);
        PyTuple_SET_ITEM(pair, 1, value);
        PyTuple_SET_ITEM(headers, static_cast<Py_ssize_t>(i), pair);
    }
    return headers;
}

} // namespace

PyObject *RecordMaker::make(const ss_record &r, PyObject *key, PyObject *value, int32_t key_schema_id,
                            int32_t value_schema_id, PyObject *reuse) {
    PyObject *out = reuse ? reuse : PyStructSequence_New(record_type());
    if (!out) {
        Py_DECREF(key);
        Py_DECREF(value);
        throw py::error_already_set();
    }
    // A reused Record's fields are of a kept record: str, bytes, int, tuples of them (no
    // finalizer runs Python code here).
    if (reuse)
        for (int field = 0; field <= kValueSchemaId; ++field) Py_CLEAR(reinterpret_cast<PyTupleObject *>(out)->ob_item[field]);
    // A field left NULL by a failure is skipped when `out` is freed (Py_XDECREF).
    PyStructSequence_SET_ITEM(out, kTopic, Py_NewRef(topic_));
    PyStructSequence_SET_ITEM(out, kPartition, Py_NewRef(partition_));
    PyStructSequence_SET_ITEM(out, kKey, key);
    PyStructSequence_SET_ITEM(out, kValue, value);
    PyObject *offset = PyLong_FromLongLong(r.offset);
    PyObject *timestamp = this->timestamp(r.timestamp_ms);
    PyObject *type = PyLong_FromLong(r.timestamp_type); // a small int: CPython's shared one
    PyObject *headers = r.header_count ? headers_of(r) : Py_NewRef(no_headers_);
    PyStructSequence_SET_ITEM(out, kOffset, offset);
    PyStructSequence_SET_ITEM(out, kTimestamp, timestamp);
    PyStructSequence_SET_ITEM(out, kTimestampType, type);
    PyStructSequence_SET_ITEM(out, kHeaders, headers);
    PyObject *key_id = key_schema_id >= 0 ? PyLong_FromLong(key_schema_id) : Py_NewRef(Py_None);
    PyObject *value_id = value_schema_id >= 0 ? PyLong_FromLong(value_schema_id) : Py_NewRef(Py_None);
    PyStructSequence_SET_ITEM(out, kKeySchemaId, key_id);
    PyStructSequence_SET_ITEM(out, kValueSchemaId, value_id);
    if (!offset || !timestamp || !type || !headers || !key_id || !value_id) {
        Py_DECREF(out);
        throw py::error_already_set();
    }
    return out;
}

void make_record_fields_fast(PyTypeObject *type) {
    // The fast descriptors' definitions must outlive the type (a descriptor points at its own).
    static PyMemberDef members[kRecordFields + 1];
    int field = 0;
    for (const PyMemberDef *m = type->tp_members; m && m->name && field < kRecordFields; ++m, ++field) {
        members[field] = *m;
        members[field].type = T_OBJECT_EX;
        py::object descriptor = py::reinterpret_steal<py::object>(PyDescr_NewMember(type, &members[field]));
        if (!descriptor || PyDict_SetItemString(type->tp_dict, m->name, descriptor.ptr()) != 0)
            throw py::error_already_set();
    }
    PyType_Modified(type);
}

} // namespace streamsubmit::python
