// One Python job: the script's functions, its decoders, and the records of the batch in
// flight, kept per range (as Records, or as bytes: raw_records.h) until the job is called with them. Every member is touched with the
// GIL held; `mutex_` guards the batch in flight against a job call that released the GIL.
#pragma once

#include "decoders.h"
#include "raw_records.h"
#include "record_sequence.h"

#include <streamsubmit/plugin.h>

#include <pybind11/pybind11.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace streamsubmit::python {

struct JobFunctions {
    pybind11::object foreach_batch, process, commit, abort, open, close, recover;
    bool partitioned() const { return static_cast<bool>(process); }
};

class InFlight {
public:
    // The batch's Python object and its per-range record lists, made at its first call.
    pybind11::object batch(const ss_batch &b);
    pybind11::list records(const ss_batch &b, size_t range);
    // Any thread, without the GIL: records of range `range` kept as bytes, after those kept before.
    void keep_raw(const ss_batch &b, size_t range, std::shared_ptr<const RawRecords> records);
    // The records of range `range` kept as bytes, in order; forgotten here.
    std::vector<RecordPart> take_kept(const ss_batch &b, size_t range);
    // Every record of the batch, made or kept, in range order; then forgets the batch.
    std::vector<RecordPart> take_all(const ss_batch &b);
    void take_range(const ss_batch &b, size_t range); // the range's records were handed over
    void forget();

private:
    void ensure(const ss_batch &b);
    std::mutex mutex_;
    int64_t id_ = -1;
    pybind11::object batch_;
    std::vector<pybind11::list> ranges_;
    int64_t raw_id_ = -1; // the batch of raw_ (kept without the GIL, so apart from id_)
    std::map<size_t, std::vector<std::shared_ptr<const RawRecords>>> raw_;
};

} // namespace streamsubmit::python
