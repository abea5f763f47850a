#include "interpreter.h"

#include "arena_cache.h"
#include "pyvenv_cfg.h"

#include <pybind11/embed.h>

#include <dlfcn.h>

#include <filesystem>
#include <fstream>

namespace py = pybind11;
namespace fs = std::filesystem;

namespace streamsubmit::python {

void start_interpreter() {
    // The host loads plugins RTLD_LOCAL; extension modules resolve Py* symbols globally.
    dlopen(STREAMSUBMIT_LIBPYTHON, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
    if (Py_IsInitialized()) return;
    keep_freed_arenas();
    py::initialize_interpreter(false); // no signal handlers: no KeyboardInterrupt inside the job
    PyEval_SaveThread();               // reader threads take the GIL per call
}

bool add_venv(const std::string &dir, PathError &error) {
    if (dir.empty()) return true;
    const fs::path cfg = fs::path(dir) / "pyvenv.cfg";
    std::error_code ec;
    if (!fs::is_regular_file(cfg, ec)) {
        error = {"the virtual environment " + dir + " has no pyvenv.cfg",
                 "give a directory made by 'python3 -m venv DIR' with app.python.venv=DIR (or VIRTUAL_ENV)"};
        return false;
    }
    std::ifstream in(cfg);
    const std::string version = pyvenv_version(in);
    if (major_minor(version) != STREAMSUBMIT_PYTHON_VERSION) {
        error = {"the virtual environment " + dir + " is for Python " + (version.empty() ? "(unknown)" : version) +
                     ", but streamsubmit embeds Python " + STREAMSUBMIT_PYTHON_VERSION,
                 std::string("recreate it with /usr/bin/python") + STREAMSUBMIT_PYTHON_VERSION + " -m venv " + dir,
                 true};
        return false;
    }
    const fs::path site = fs::path(dir) / "lib" / (std::string("python") + STREAMSUBMIT_PYTHON_VERSION) / "site-packages";
    py::module_::import("site").attr("addsitedir")(site.string());
    return true;
}

// .py entries are imported by name through a finder of their own (not their directory on
// sys.path, which would expose its other files): MODULE=FILE, or FILE as its stem.
constexpr const char *kPyFilesFinder = R"(
import importlib.abc, importlib.util, sys
class StreamsubmitPyFiles(importlib.abc.MetaPathFinder):
    """The .py files of --py-files, by module name."""
    def __init__(self, files):
        self.files = files
    def find_spec(self, name, path=None, target=None):
        file = self.files.get(name)
        return importlib.util.spec_from_file_location(name, file) if file else None
sys.meta_path.insert(0, StreamsubmitPyFiles(files))
)";

bool add_py_files(const std::vector<std::string> &entries, PathError &error) {
    py::list path = py::module_::import("sys").attr("path");
    py::dict modules;
    size_t at = 0;
    for (const auto &entry : entries) {
        const auto eq = entry.find('=');
        const std::string file = eq == std::string::npos ? entry : entry.substr(eq + 1);
        std::error_code ec;
        const fs::path p = fs::absolute(file, ec);
        if (!fs::is_regular_file(p, ec) || (p.extension() != ".py" && p.extension() != ".zip")) {
            error = {"--py-files: " + file + " is not a .py or .zip file",
                     "list existing .py and .zip files, comma-separated: --py-files lib/a.py,lib/b.zip"};
            return false;
        }
        if (p.extension() == ".zip")
            path.attr("insert")(at++, p.string());
        else
            modules[py::str(eq == std::string::npos ? p.stem().string() : entry.substr(0, eq))] = p.string();
    }
    if (py::len(modules) == 0) return true;
    py::dict scope;
    scope["files"] = modules;
    py::exec(kPyFilesFinder, scope);
    return true;
}

} // namespace streamsubmit::python
