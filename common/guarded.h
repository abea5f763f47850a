// The one safety net of main() and of every thread entry: whatever escapes `fn` becomes
// an Error value, so the process reports it in the one error format instead of aborting.
#pragma once

#include "common/error.h"

#include <exception>
#include <new>
#include <string>

namespace streamsubmit {

// `fn` returns a Status; `where` names the thread or command for the message.
template <class Fn>
Status run_guarded(const char *where, Fn &&fn) noexcept {
    try {
        return fn();
    } catch (const std::bad_alloc &) {
        return Error(ErrorKind::Runtime, "out of memory", where,
                     "give the process more memory, or lower stream.receiver.maxBufferedBytes and the batch size");
    } catch (const std::exception &e) {
        return Error(ErrorKind::Runtime, std::string("unexpected failure: ") + e.what(), where,
                     "report this as a bug, with the command line that caused it");
    } catch (...) {
        return Error(ErrorKind::Runtime, "unexpected failure of an unknown kind", where,
                     "report this as a bug, with the command line that caused it");
    }
}

} // namespace streamsubmit
