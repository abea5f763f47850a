// The embedded CPython: started once per process (a --supervise restart reuses it), its
// sys.path made of the job's directory, --py-files and a virtual environment's packages.
#pragma once

#include <string>
#include <vector>

namespace streamsubmit::python {

struct PathError {
    std::string message, hint;
    bool wrong_version = false; // a venv of another Python: exit 3
};

// Starts the interpreter without Python's signal handlers (SIGINT/SIGTERM stay
// streamsubmit's) and with libpython's symbols global, so extension modules (_json, _sqlite3)
// load. Returns with the GIL released. Driver thread.
void start_interpreter();

// With the GIL held. A venv (pyvenv.cfg) of this Python's major.minor: its site-packages on
// sys.path (site.addsitedir, so .pth files work). `dir` empty: nothing.
bool add_venv(const std::string &dir, PathError &error);

// With the GIL held. Each .zip goes on sys.path, in order, ahead of the rest; each .py is
// importable by its stem, or by MODULE when written MODULE=FILE (spark-submit's --py-files).
bool add_py_files(const std::vector<std::string> &files, PathError &error);

} // namespace streamsubmit::python
