// How Kafka records become streamsubmit.Record objects, a million a second: the struct
// sequence filled with the C API, a key seen before given as the same str object (keys
// repeat: a dict keyed by them then finds its hash cached and compares by identity), one int
// per run of equal timestamps, one topic and partition object per call, and no header tuple
// for a record without headers.
#pragma once

#include "decoders.h"

#include <streamsubmit/plugin.h>

#include <pybind11/pybind11.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace streamsubmit::python {

// The decoded keys last seen (a bounded direct-mapped table of up to kMaxBytes-byte keys),
// for the decoders whose result depends on the bytes alone and is immutable: utf8 and bytes.
// Shared by the reader threads: each call holds the GIL and runs no Python code in between.
class KeyCache {
public:
    static constexpr size_t kMaxBytes = 48;
    static constexpr size_t kSlots = 8192; // at most ~1 MB of keys, whatever the key space

    explicit KeyCache(const Decoder &decoder);
    ~KeyCache(); // with the GIL held (also to make one: it copies the decoder)
    KeyCache(const KeyCache &) = delete;
    KeyCache &operator=(const KeyCache &) = delete;

    // With the GIL held: a new reference to the decoded key, or None for Kafka's null key.
    // Throws pybind11::error_already_set when the decoder refuses the bytes.
    PyObject *decode(const void *data, size_t len);

private:
    struct Slot {
        PyObject *object = nullptr;
        uint32_t len = 0;
        char bytes[kMaxBytes];
    };
    const Decoder decoder_; // a copy: a batch's Records may outlive the job
    const bool enabled_;
    std::vector<Slot> slots_;
};

// The Records of one process call (one range: one topic and partition).
class RecordMaker {
public:
    // With the GIL held.
    RecordMaker(const char *topic, int32_t partition);
    ~RecordMaker();
    RecordMaker(const RecordMaker &) = delete;
    RecordMaker &operator=(const RecordMaker &) = delete;

    // With the GIL held: a new streamsubmit.Record of `r` with its decoded key and value,
    // whose references it steals (also when it throws pybind11::error_already_set), and the
    // schema ids they were decoded with (-1: read as bytes, None in the Record). `reuse`, when
    // given, is a Record no one else holds (its reference stolen too), filled anew instead of
    // making one (as zip and enumerate reuse their tuple).
    PyObject *make(const ss_record &r, PyObject *key, PyObject *value, int32_t key_schema_id = -1,
                   int32_t value_schema_id = -1, PyObject *reuse = nullptr);

private:
    PyObject *timestamp(int64_t ms);
    PyObject *topic_ = nullptr, *partition_ = nullptr, *no_headers_ = nullptr;
    PyObject *timestamp_ = nullptr; // of the last record, shared while the next ones have the same
    int64_t timestamp_ms_ = 0;
};

// Record's member descriptors replaced by ones the 3.11 interpreter specializes (LOAD_ATTR_SLOT:
// T_OBJECT_EX), so that `r.key` in the job's loop costs what an attribute of a __slots__ class
// does; a struct sequence's own (T_OBJECT) take the generic lookup on every access. Every
// field of a Record is always set, so the two kinds read alike. With the GIL held.
void make_record_fields_fast(PyTypeObject *record_type);

} // namespace streamsubmit::python
