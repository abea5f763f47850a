#include "job.h"

#include "api_module.h"

namespace py = pybind11;

namespace streamsubmit::python {

// Python objects are made outside the lock (making one may run Python code that releases the
// GIL); under the lock only handles move.
void InFlight::ensure(const ss_batch &b) {
    {
        std::lock_guard lock(mutex_);
        if (id_ == b.id) return;
    }
    py::object batch = make_batch(b);
    std::vector<py::list> ranges(b.range_count);
    py::object old_batch;
    std::vector<py::list> old_ranges;
    {
        std::lock_guard lock(mutex_);
        if (id_ == b.id) return;
        old_batch = std::move(batch_);
        old_ranges.swap(ranges_);
        id_ = b.id;
        batch_ = std::move(batch);
        ranges_ = std::move(ranges);
    }
}

py::object InFlight::batch(const ss_batch &b) {
    ensure(b);
    std::lock_guard lock(mutex_);
    return batch_;
}

py::list InFlight::records(const ss_batch &b, size_t range) {
    ensure(b);
    std::lock_guard lock(mutex_);
    return ranges_.at(range);
}

void InFlight::take_range(const ss_batch &b, size_t range) {
    ensure(b);
    py::list fresh;
    py::list old;
    std::lock_guard lock(mutex_);
    old = std::move(ranges_.at(range));
    ranges_.at(range) = std::move(fresh);
}

py::list InFlight::take_all(const ss_batch &b) {
    ensure(b);
    std::vector<py::list> ranges;
    {
        std::lock_guard lock(mutex_);
        ranges.swap(ranges_);
        ranges_.resize(ranges.size());
    }
    py::list all;
    for (auto &r : ranges) all.attr("extend")(r);
    return all;
}

void InFlight::forget() {
    py::object batch;
    std::vector<py::list> ranges;
    std::lock_guard lock(mutex_);
    id_ = -1;
    batch = std::move(batch_);
    ranges.swap(ranges_);
}

} // namespace streamsubmit::python
