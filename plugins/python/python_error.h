// A Python exception as an ss_error: the whole traceback on stderr (naming where it happened),
// its last lines in the message, a hint; never a C++ exception across the C ABI.
#pragma once

#include <streamsubmit/plugin.h>

#include <pybind11/pybind11.h>

#include <string>

namespace streamsubmit::python {

// Call with the GIL held, inside `catch (pybind11::error_already_set &e)`. `where` names the
// call and the batch/range ("process, batch 3, orders-1 [10, 20)").
ss_status report_python_error(pybind11::error_already_set &e, const std::string &where, ss_error *err,
                              ss_status status = SS_ERR_INTERNAL);

// With the GIL held: writes the exception's traceback to stderr under "raised in `where`";
// returns it.
std::string print_traceback(pybind11::error_already_set &e, const std::string &where);

// A failure that is not a Python exception (a decoder refusing bytes, a C++ error).
ss_status report_error(const std::string &message, const std::string &hint, ss_error *err,
                       ss_status status = SS_ERR_INTERNAL);

} // namespace streamsubmit::python
