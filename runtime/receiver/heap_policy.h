// glibc's malloc and receiver mode's way of using memory.
//
// A receiver job's fetch buffers (librdkafka allocates one per fetch response, about 1 MiB per
// partition, on its broker threads) are freed a batch's worth at a time on the driver thread,
// once the batch was output: its blocks kept the records in them (Block::worth_keeping), or
// copies of them. glibc then gives the freed top of each arena back to the system, and maps
// buffers above its dynamic threshold on their own, so the next fetches page-fault and zero
// the same megabytes again. Measured on 200 k x 10 KiB records (bench/PROFILES.md): the kernel's
// page faults and the socket copy into cold pages cost more than copying the values had.
#pragma once

#include <cstddef>
#include <string>

namespace streamsubmit::runtime {

// Keeps up to `bytes` (at least 32 MiB) of freed memory per arena instead of trimming it, and
// takes buffers of up to 32 MiB from the arenas. Returns what it did, for -v; does nothing
// where the user tuned glibc's malloc (MALLOC_TRIM_THRESHOLD_, MALLOC_MMAP_THRESHOLD_ or
// GLIBC_TUNABLES=glibc.malloc.*) or the C library is not glibc.
std::string keep_freed_heap(size_t bytes);

} // namespace streamsubmit::runtime
