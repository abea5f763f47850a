// Python's object allocator (pymalloc) takes memory from the system in 1 MiB arenas and gives an
// arena back (munmap) as soon as it is empty. A batch's Records fill a hundred or more arenas
// and free them all when the job returns, so every batch faulted its memory in again: page
// faults and zeroed pages were about a tenth of a Python job's CPU. Here freed arenas are kept
// for the next batch instead (up to a bound; beyond it they go back to the system), marked
// MADV_FREE so that the kernel may still take their pages under memory pressure.
#pragma once

namespace streamsubmit::python {

// Before the interpreter starts (every arena then comes from here).
void keep_freed_arenas();

} // namespace streamsubmit::python
