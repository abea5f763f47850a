#include "python_error.h"

#include <cstdio>
#include <sstream>
#include <vector>

namespace py = pybind11;

namespace streamsubmit::python {
namespace {

// The last `count` non-empty lines of a traceback: the frame that raised and the exception.
std::string last_lines(const std::string &text, size_t count) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) lines.push_back(line);
    std::string out;
    for (size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i)
        out += (out.empty() ? "" : " | ") + lines[i];
    return out;
}

} // namespace

ss_status report_error(const std::string &message, const std::string &hint, ss_error *err, ss_status status) {
    ss_error_set(err, status, message.c_str());
    ss_error_hint(err, hint.c_str());
    return status;
}

std::string print_traceback(py::error_already_set &e, const std::string &where) {
    std::string traceback;
    try {
        py::object format = py::module_::import("traceback").attr("format_exception");
        for (const auto &part : format(e.type(), e.value(), e.trace())) traceback += py::str(part).cast<std::string>();
    } catch (...) {
        traceback = std::string(e.what()) + "\n";
    }
    std::fprintf(stderr, "streamsubmit: Python job raised in %s:\n%s", where.c_str(), traceback.c_str());
    std::fflush(stderr);
    return traceback;
}

ss_status report_python_error(py::error_already_set &e, const std::string &where, ss_error *err, ss_status status) {
    const std::string traceback = print_traceback(e, where);
    return report_error("Python job failed in " + where + ": " + last_lines(traceback, 3),
                        "the traceback is above on stderr; fix the job, then restart it: the batch re-runs with the "
                        "same id, ranges and records",
                        err, status);
}

} // namespace streamsubmit::python
