// The `streamsubmit` module a Python job imports: OffsetRange, Batch, Record, as a PySpark
// user names them. Its docstring (pydoc streamsubmit) is the API's reference.
#pragma once

#include <streamsubmit/plugin.h>

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>

namespace streamsubmit::python {

struct OffsetRange {
    std::string topic;
    int32_t partition = 0;
    int64_t fromOffset = 0, untilOffset = 0;
};

struct Batch {
    int64_t id = 0, time = 0;
    std::string mode;
    pybind11::list ranges;
};

// A record is a struct sequence (a named tuple made in C, like os.stat_result): the cheapest
// object with named fields to make a million of per second. Fields, in this order (the
// first kRecordFields are the tuple's; the schema ids only by name, so a record still unpacks
// into its eight fields):
enum RecordField {
    kTopic,
    kPartition,
    kOffset,
    kTimestamp,
    kTimestampType,
    kKey,
    kValue,
    kHeaders,
    kRecordFields,
    kKeySchemaId = kRecordFields,
    kValueSchemaId,
};

// The Record type, made when the module is first imported (with the GIL held).
PyTypeObject *record_type();

// With the GIL held.
pybind11::object make_range(const ss_offset_range &range);
pybind11::object make_batch(const ss_batch &batch);

} // namespace streamsubmit::python
