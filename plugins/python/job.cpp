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

void InFlight::keep_raw(const ss_batch &b, size_t range, std::shared_ptr<const RawRecords> records) {
    std::lock_guard lock(mutex_);
    if (raw_id_ != b.id) {
        raw_.clear();
        raw_id_ = b.id;
    }
    raw_[range].push_back(std::move(records));
}

std::vector<RecordPart> InFlight::take_kept(const ss_batch &b, size_t range) {
    std::vector<std::shared_ptr<const RawRecords>> kept;
    {
        std::lock_guard lock(mutex_);
        if (raw_id_ != b.id) return {};
        if (auto it = raw_.find(range); it != raw_.end()) {
            kept.swap(it->second);
            raw_.erase(it);
        }
    }
    std::vector<RecordPart> parts;
    for (auto &records : kept) parts.push_back({py::object(), std::move(records)});
    return parts;
}

std::vector<RecordPart> InFlight::take_all(const ss_batch &b) {
    ensure(b);
    std::vector<py::list> ranges;
    std::map<size_t, std::vector<std::shared_ptr<const RawRecords>>> raw;
    {
        std::lock_guard lock(mutex_);
        ranges.swap(ranges_);
        ranges_.resize(ranges.size());
        if (raw_id_ == b.id) raw.swap(raw_);
    }
    std::vector<RecordPart> parts;
    for (size_t i = 0; i < ranges.size(); ++i) {
        if (!ranges[i].empty()) parts.push_back({std::move(ranges[i]), nullptr});
        if (auto kept = raw.find(i); kept != raw.end())
            for (auto &records : kept->second) parts.push_back({py::object(), std::move(records)});
    }
    return parts;
}

void InFlight::forget() {
    py::object batch;
    std::vector<py::list> ranges;
    std::lock_guard lock(mutex_);
    id_ = -1;
    batch = std::move(batch_);
    ranges.swap(ranges_);
    raw_id_ = -1;
    raw_.clear();
}

} // namespace streamsubmit::python
