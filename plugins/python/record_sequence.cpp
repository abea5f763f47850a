#include "record_sequence.h"

#include <algorithm>
#include <string>
#include <utility>

namespace py = pybind11;

namespace streamsubmit::python {
namespace {

class Sequence {
public:
    Sequence(std::vector<RecordPart> parts, std::shared_ptr<KeyCache> keys, const Decoder &values)
        : parts_(std::move(parts)), makers_(parts_.size()), keys_(std::move(keys)), values_(values) {
        for (const RecordPart &p : parts_) {
            starts_.push_back(size_);
            size_ += size_of(p);
        }
    }

    size_t size() const { return size_; }
    size_t part_count() const { return parts_.size(); }
    size_t part_size(size_t part) const { return size_of(parts_[part]); }
    const std::vector<RecordPart> &parts() const { return parts_; }

    bool is_kept(size_t part) const { return static_cast<bool>(parts_[part].raw); }

    // A new reference to record `index` of `part`; throws pybind11::error_already_set. A kept
    // record may be made into `reuse` (RecordMaker::make), whose reference it takes.
    PyObject *record(size_t part, size_t index, PyObject *reuse = nullptr) {
        const RecordPart &p = parts_[part];
        index += p.first;
        if (!p.raw) {
            Py_XDECREF(reuse);
            return Py_NewRef(PyList_GET_ITEM(p.made.ptr(), static_cast<Py_ssize_t>(index)));
        }
        if (!makers_[part]) makers_[part] = std::make_unique<RecordMaker>(p.raw->topic().c_str(), p.raw->partition());
        const ss_record r = p.raw->at(index, headers_);
        PyObject *key = nullptr, *value = nullptr;
        try {
            key = keys_->decode(r.key, r.key_len);
            value = values_.decode(r.value, r.value_len).release().ptr();
        } catch (...) {
            Py_XDECREF(key);
            Py_XDECREF(reuse);
            throw;
        }
        return makers_[part]->make(r, key, value, -1, -1, reuse);
    }

    // Record `index` of the whole batch.
    PyObject *record(size_t index) {
        const size_t part = static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), index) - starts_.begin()) - 1;
        return record(part, index - starts_[part]);
    }

private:
    static size_t size_of(const RecordPart &p) {
        return (p.raw ? p.raw->size() : static_cast<size_t>(PyList_GET_SIZE(p.made.ptr()))) - p.first;
    }

    std::vector<RecordPart> parts_;
    std::vector<size_t> starts_; // the batch index of each part's first record
    size_t size_ = 0;
    std::vector<std::unique_ptr<RecordMaker>> makers_; // per kept part, at its first record
    std::shared_ptr<KeyCache> keys_;
    Decoder values_;
    std::vector<ss_header> headers_; // of the record being made
};

struct SequenceObject {
    PyObject_HEAD Sequence *sequence;
};

struct IteratorObject {
    PyObject_HEAD SequenceObject *of;
    size_t part, index;
    // The last two kept Records handed out: one no one else holds any more is made again into
    // the next record. Two, because `for r in records` still holds the last one while it
    // asks for the next.
    PyObject *recent[2];
    int turn; // the slot the next Record goes into when both are held
};

PyTypeObject *g_sequence_type = nullptr;
PyTypeObject *g_iterator_type = nullptr;

Sequence &sequence_of(PyObject *self) { return *reinterpret_cast<SequenceObject *>(self)->sequence; }

// A C++ exception from making a record becomes the Python error it carries.
template <class F> PyObject *python_call(F &&f) {
    try {
        return f();
    } catch (py::error_already_set &e) {
        e.restore();
    } catch (const std::exception &e) {
        PyErr_SetString(PyExc_RuntimeError, e.what());
    }
    return nullptr;
}

// The made lists are the only Python objects a sequence holds that could lead back to it.
int sequence_traverse(PyObject *self, visitproc visit, void *arg) {
    Py_VISIT(Py_TYPE(self));
    if (Sequence *s = reinterpret_cast<SequenceObject *>(self)->sequence)
        for (const RecordPart &p : s->parts()) Py_VISIT(p.made.ptr());
    return 0;
}

int sequence_clear(PyObject *self) {
    auto *o = reinterpret_cast<SequenceObject *>(self);
    delete std::exchange(o->sequence, nullptr);
    return 0;
}

void sequence_dealloc(PyObject *self) {
    PyTypeObject *type = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    sequence_clear(self);
    type->tp_free(self);
    Py_DECREF(type);
}

Py_ssize_t sequence_length(PyObject *self) {
    Sequence *s = reinterpret_cast<SequenceObject *>(self)->sequence;
    return s ? static_cast<Py_ssize_t>(s->size()) : 0;
}

PyObject *sequence_subscript(PyObject *self, PyObject *key) {
    const Py_ssize_t size = sequence_length(self);
    if (PySlice_Check(key)) {
        Py_ssize_t start, stop, step;
        if (PySlice_Unpack(key, &start, &stop, &step) < 0) return nullptr;
        const Py_ssize_t n = PySlice_AdjustIndices(size, &start, &stop, step);
        return python_call([&]() -> PyObject * {
            py::list out(n);
            for (Py_ssize_t i = 0; i < n; ++i)
                PyList_SET_ITEM(out.ptr(), i, sequence_of(self).record(static_cast<size_t>(start + i * step)));
            return out.release().ptr();
        });
    }
    Py_ssize_t i = PyNumber_AsSsize_t(key, PyExc_IndexError);
    if (i == -1 && PyErr_Occurred()) return nullptr;
    if (i < 0) i += size;
    if (i < 0 || i >= size) {
        PyErr_SetString(PyExc_IndexError, "records index out of range");
        return nullptr;
    }
    return python_call([&] { return sequence_of(self).record(static_cast<size_t>(i)); });
}

PyObject *sequence_item(PyObject *self, Py_ssize_t i) { // `in` and the sequence protocol
    if (i < 0 || i >= sequence_length(self)) {
        PyErr_SetString(PyExc_IndexError, "records index out of range");
        return nullptr;
    }
    return python_call([&] { return sequence_of(self).record(static_cast<size_t>(i)); });
}

PyObject *sequence_repr(PyObject *self) {
    return PyUnicode_FromFormat("<streamsubmit.Records of %zd records>", sequence_length(self));
}

PyObject *sequence_iter(PyObject *self) {
    auto *it = PyObject_GC_New(IteratorObject, g_iterator_type);
    if (!it) return nullptr;
    it->of = reinterpret_cast<SequenceObject *>(Py_NewRef(self));
    it->part = it->index = 0;
    it->recent[0] = it->recent[1] = nullptr;
    it->turn = 0;
    PyObject_GC_Track(it);
    return reinterpret_cast<PyObject *>(it);
}

int iterator_traverse(PyObject *self, visitproc visit, void *arg) {
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(reinterpret_cast<IteratorObject *>(self)->of);
    for (PyObject *r : reinterpret_cast<IteratorObject *>(self)->recent) Py_VISIT(r);
    return 0;
}

int iterator_clear(PyObject *self) {
    Py_CLEAR(reinterpret_cast<IteratorObject *>(self)->of);
    for (PyObject *&r : reinterpret_cast<IteratorObject *>(self)->recent) Py_CLEAR(r);
    return 0;
}

void iterator_dealloc(PyObject *self) {
    PyTypeObject *type = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    iterator_clear(self);
    PyObject_GC_Del(self);
    Py_DECREF(type);
}

PyObject *iterator_next(PyObject *self) {
    auto *it = reinterpret_cast<IteratorObject *>(self);
    if (!it->of || !it->of->sequence) return nullptr;
    Sequence &s = *it->of->sequence;
    while (it->part < s.part_count() && it->index == s.part_size(it->part)) {
        ++it->part;
        it->index = 0;
    }
    if (it->part == s.part_count()) {
        iterator_clear(self); // exhausted: lets the batch go
        return nullptr;
    }
    if (!s.is_kept(it->part)) return python_call([&] { return s.record(it->part, it->index++); });
    int slot = -1;
    PyObject *reuse = nullptr;
    for (int i = 0; i < 2 && !reuse; ++i)
        if (it->recent[i] && Py_REFCNT(it->recent[i]) == 1) reuse = std::exchange(it->recent[slot = i], nullptr);
    if (slot < 0) slot = !it->recent[0] ? 0 : !it->recent[1] ? 1 : (it->turn ^= 1);
    PyObject *made = python_call([&] { return s.record(it->part, it->index++, reuse); });
    if (made) Py_XSETREF(it->recent[slot], Py_NewRef(made));
    return made;
}

PyObject *iterator_length_hint(PyObject *self, PyObject *) {
    auto *it = reinterpret_cast<IteratorObject *>(self);
    if (!it->of || !it->of->sequence) return PyLong_FromLong(0);
    const Sequence &s = *it->of->sequence;
    size_t left = 0;
    for (size_t p = it->part; p < s.part_count(); ++p) left += s.part_size(p);
    return PyLong_FromSize_t(left - (it->part < s.part_count() ? it->index : 0));
}

PyMethodDef kIteratorMethods[] = {
    {"__length_hint__", iterator_length_hint, METH_NOARGS, nullptr},
    {nullptr, nullptr, 0, nullptr},
};

PyTypeObject *make_type(PyType_Spec &spec) {
    PyObject *type = PyType_FromSpec(&spec);
    if (!type) throw py::error_already_set();
    return reinterpret_cast<PyTypeObject *>(type);
}

constexpr const char *kSequenceDoc =
    "The records of one batch, given to foreach_batch: a read-only sequence in range order "
    "(len(records), records[i], records[i:j], for r in records). A Record is made when it is "
    "read, so records[0] is records[0] is False; list(records) keeps them all.";

} // namespace

void make_record_sequence_types(py::module_ &module) {
    if (!g_sequence_type) {
        static PyType_Slot sequence_slots[] = {
            {Py_tp_dealloc, reinterpret_cast<void *>(sequence_dealloc)},
            {Py_tp_traverse, reinterpret_cast<void *>(sequence_traverse)},
            {Py_tp_clear, reinterpret_cast<void *>(sequence_clear)},
            {Py_tp_iter, reinterpret_cast<void *>(sequence_iter)},
            {Py_tp_repr, reinterpret_cast<void *>(sequence_repr)},
            {Py_tp_doc, const_cast<char *>(kSequenceDoc)},
            {Py_mp_length, reinterpret_cast<void *>(sequence_length)},
            {Py_mp_subscript, reinterpret_cast<void *>(sequence_subscript)},
            {Py_sq_length, reinterpret_cast<void *>(sequence_length)},
            {Py_sq_item, reinterpret_cast<void *>(sequence_item)},
            {0, nullptr},
        };
        static PyType_Spec sequence_spec = {
            "streamsubmit.Records", sizeof(SequenceObject), 0,
            Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_DISALLOW_INSTANTIATION | Py_TPFLAGS_SEQUENCE |
                Py_TPFLAGS_IMMUTABLETYPE,
            sequence_slots};
        static PyType_Slot iterator_slots[] = {
            {Py_tp_dealloc, reinterpret_cast<void *>(iterator_dealloc)},
            {Py_tp_traverse, reinterpret_cast<void *>(iterator_traverse)},
            {Py_tp_clear, reinterpret_cast<void *>(iterator_clear)},
            {Py_tp_iter, reinterpret_cast<void *>(PyObject_SelfIter)},
            {Py_tp_iternext, reinterpret_cast<void *>(iterator_next)},
            {Py_tp_methods, kIteratorMethods},
            {0, nullptr},
        };
        static PyType_Spec iterator_spec = {
            "streamsubmit.RecordsIterator", sizeof(IteratorObject), 0,
            Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_DISALLOW_INSTANTIATION | Py_TPFLAGS_IMMUTABLETYPE,
            iterator_slots};
        g_sequence_type = make_type(sequence_spec);
        g_iterator_type = make_type(iterator_spec);
    }
    module.attr("Records") = py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject *>(g_sequence_type));
}

py::object make_record_sequence(std::vector<RecordPart> parts, std::shared_ptr<KeyCache> keys, const Decoder &values) {
    auto sequence = std::make_unique<Sequence>(std::move(parts), std::move(keys), values);
    auto *o = PyObject_GC_New(SequenceObject, g_sequence_type);
    if (!o) throw py::error_already_set();
    o->sequence = sequence.release();
    PyObject_GC_Track(o);
    return py::reinterpret_steal<py::object>(reinterpret_cast<PyObject *>(o));
}

} // namespace streamsubmit::python
