// The `records` foreach_batch is given: streamsubmit.Records, a read-only sequence of the
// batch's Records in range order (len, records[i], slices, iteration). Records kept as bytes
// (raw_records.h) are made as the job reads them: a loop over a batch then makes each Record
// while the last one's memory is still in the cache, and the batch never holds half a million
// of them at once. Records already made (decoders that need Python) are handed out as they are.
#pragma once

#include "decoders.h"
#include "raw_records.h"
#include "records.h"

#include <pybind11/pybind11.h>

#include <memory>
#include <vector>

namespace streamsubmit::python {

// Part of a batch's records, in order: a list of made Records, or records kept as bytes.
struct RecordPart {
    pybind11::object made; // a list, or null
    std::shared_ptr<const RawRecords> raw;
    size_t first = 0; // the part's records before this one are not in the sequence
};

// With the GIL held: the sequence over `parts`; a kept record's key decoded through `keys`,
// its value by `values` (both plain decoders: utf8 or bytes, which checked it when it was kept).
pybind11::object make_record_sequence(std::vector<RecordPart> parts, std::shared_ptr<KeyCache> keys,
                                      const Decoder &values);

// The types streamsubmit.Records and its iterator, made at the module's first import (with
// the GIL held); make_record_sequence needs them.
void make_record_sequence_types(pybind11::module_ &module);

} // namespace streamsubmit::python
