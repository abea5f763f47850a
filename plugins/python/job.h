// One Python job: the script's functions, its decoders, and the records of the batch in
// flight, kept per range until the job is called with them. Every member is touched with the
// GIL held; `mutex_` guards the batch in flight against a job call that released the GIL.
#pragma once

#include "decoders.h"

#include <streamsubmit/plugin.h>

#include <pybind11/pybind11.h>

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
    // Every record of the batch, in range order; then forgets the batch.
    pybind11::list take_all(const ss_batch &b);
    void take_range(const ss_batch &b, size_t range); // the range's records were handed over
    void forget();

private:
    void ensure(const ss_batch &b);
    std::mutex mutex_;
    int64_t id_ = -1;
    pybind11::object batch_;
    std::vector<pybind11::list> ranges_;
};

} // namespace streamsubmit::python
