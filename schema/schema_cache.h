// Schemas by id for the life of a job: each id is loaded once, and reader threads that ask
// for an id being loaded wait for that load instead of starting their own (single flight).
// A failed load is not kept: the next request for the id loads it again.
#pragma once

#include "decode_error.h"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <variant>

namespace streamsubmit::schema {

template <class T>
class SchemaCache {
public:
    using Value = std::shared_ptr<const T>;
    using Loaded = std::variant<Value, DecodeError>;
    using Loader = std::function<Loaded(int32_t id)>;

    // The schema of `id`: from the cache, from a load in flight on another thread, or from
    // load(id) on this one (called without the lock held).
    Loaded get(int32_t id, const Loader &load) {
        std::unique_lock lock(mutex_);
        for (;;) {
            auto it = entries_.find(id);
            if (it == entries_.end()) break;
            if (it->second.value) return it->second.value;
            // In flight: wait for its outcome (the loader's thread fills in or erases the entry).
            auto flight = it->second.flight;
            done_.wait(lock, [&] { return flight->done; });
            if (flight->error) return *flight->error;
        }
        auto flight = std::make_shared<Flight>();
        entries_[id] = Entry{nullptr, flight};
        lock.unlock();
        Loaded loaded = load(id);
        lock.lock();
        flight->done = true;
        if (auto *value = std::get_if<Value>(&loaded))
            entries_[id] = Entry{*value, nullptr};
        else {
            flight->error = std::get<DecodeError>(loaded);
            entries_.erase(id);
        }
        done_.notify_all();
        return loaded;
    }

    // The schema of `id` if it is loaded, without loading it.
    Value find(int32_t id) const {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(id);
        return it == entries_.end() ? nullptr : it->second.value;
    }

private:
    struct Flight {
        bool done = false;
        std::optional<DecodeError> error;
    };
    struct Entry {
        Value value;                    // set once loaded
        std::shared_ptr<Flight> flight; // set while loading
    };
    mutable std::mutex mutex_;
    std::condition_variable done_;
    std::unordered_map<int32_t, Entry> entries_;
};

} // namespace streamsubmit::schema
