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

struct Record {
    pybind11::str topic;
    int32_t partition = 0;
    int64_t offset = 0, timestamp = -1;
    int32_t timestamp_type = 0;
    pybind11::object key, value, headers;
};

// With the GIL held.
pybind11::object make_range(const ss_offset_range &range);
pybind11::object make_batch(const ss_batch &batch);

} // namespace streamsubmit::python
