// What a virtual environment's pyvenv.cfg says about its Python, read as Python's own site
// module reads it (KEY = VALUE lines): the version, compared by major.minor with the embedded one.
#pragma once

#include <istream>
#include <string>

namespace streamsubmit::python {

// pyvenv.cfg's "version = 3.11.2" (or, from older venv modules, "version_info = 3.11.2.final.0");
// empty when neither is there. Keys and values are trimmed; other lines are ignored.
std::string pyvenv_version(std::istream &cfg);

// "3.12.1" -> "3.12"; "3.11.2.final.0" -> "3.11"; "3" -> "3".
std::string major_minor(const std::string &version);

} // namespace streamsubmit::python
