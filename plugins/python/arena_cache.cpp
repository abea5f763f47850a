#include "arena_cache.h"

#include <Python.h>

#include <sys/mman.h>

#include <cstddef>
#include <mutex>
#include <vector>

namespace streamsubmit::python {
namespace {

// 256 MiB: the Records of a batch of ~900,000 100-byte records; a larger batch's arenas beyond
// it are unmapped as before.
constexpr size_t kMaxKeptBytes = size_t{256} << 20;

struct Arena {
    void *address;
    size_t size;
};

struct KeptArenas {
    std::mutex mutex; // pymalloc runs with the GIL held; this only makes that not matter
    std::vector<Arena> kept;
    size_t kept_bytes = 0;
};

KeptArenas &arenas() {
    static auto *a = new KeptArenas; // never destroyed: Python may free arenas at exit
    return *a;
}

void *allocate(void *, size_t size) {
    KeptArenas &a = arenas();
    {
        std::lock_guard lock(a.mutex);
        for (size_t i = a.kept.size(); i-- > 0;)
            if (a.kept[i].size == size) {
                void *address = a.kept[i].address;
                a.kept[i] = a.kept.back();
                a.kept.pop_back();
                a.kept_bytes -= size;
                return address; // pymalloc does not need zeroed memory
            }
    }
    void *address = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return address == MAP_FAILED ? nullptr : address;
}

void release(void *, void *address, size_t size) {
    KeptArenas &a = arenas();
    {
        std::lock_guard lock(a.mutex);
        if (a.kept_bytes + size <= kMaxKeptBytes && madvise(address, size, MADV_FREE) == 0) {
            a.kept.push_back({address, size});
            a.kept_bytes += size;
            return;
        }
    }
    munmap(address, size);
}

} // namespace

void keep_freed_arenas() {
    PyObjectArenaAllocator allocator{nullptr, allocate, release};
    PyObject_SetArenaAllocator(&allocator);
}

} // namespace streamsubmit::python
