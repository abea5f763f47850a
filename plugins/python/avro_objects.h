// An Avro value (schema/avro_view.h) as the Python objects fastavro reads it as (see
// schema_values.h for the mapping). With the GIL held.
#pragma once

#include "schema/avro_view.h"

#include <pybind11/pybind11.h>

namespace streamsubmit::python {

// Throws schema::AvroReadError when avro-c cannot read a part, or when the value is no
// Python value (a string that is not UTF-8, a time past midnight); pybind11::error_already_set
// when Python fails otherwise.
pybind11::object avro_object(const schema::AvroView &value);

} // namespace streamsubmit::python

namespace streamsubmit::python {
// Imports what avro_object makes values of (decimal, uuid, datetime). Once, with the GIL held,
// before any reader thread calls avro_object.
void init_avro_objects();
} // namespace streamsubmit::python
