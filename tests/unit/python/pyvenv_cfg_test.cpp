#include "pyvenv_cfg.h"

#include <doctest/doctest.h>

#include <sstream>

using streamsubmit::python::major_minor;
using streamsubmit::python::pyvenv_version;

namespace {
std::string version_of(const std::string &text) {
    std::istringstream in(text);
    return pyvenv_version(in);
}
} // namespace

TEST_CASE("pyvenv.cfg: the version line of a venv made by python3.11 -m venv") {
    CHECK(version_of("home = /usr/bin\n"
                     "include-system-site-packages = false\n"
                     "version = 3.11.2\n"
                     "executable = /usr/bin/python3.11\n"
                     "command = /usr/bin/python3 -m venv /tmp/v\n") == "3.11.2");
}

TEST_CASE("pyvenv.cfg: version_info of older venv modules, spaces and CRLF trimmed") {
    CHECK(version_of("home=/opt/py/bin\r\nversion_info =  3.8.10.final.0 \r\n") == "3.8.10.final.0");
    CHECK(version_of("\tversion\t=\t3.12.1\t\n") == "3.12.1");
}

TEST_CASE("pyvenv.cfg: the first version line wins; other keys and lines without = are ignored") {
    CHECK(version_of("# comment\nversion_extra = 9\nversion = 3.10.4\nversion = 3.11.0\n") == "3.10.4");
    CHECK(version_of("just some text\n") == "");
    CHECK(version_of("") == "");
    CHECK(version_of("home = /usr/bin\n") == "");
}

TEST_CASE("major_minor compares a venv with the embedded Python by major.minor") {
    CHECK(major_minor("3.11.2") == "3.11");
    CHECK(major_minor("3.12.1") == "3.12");
    CHECK(major_minor("3.8.10.final.0") == "3.8");
    CHECK(major_minor("3.11") == "3.11");
    CHECK(major_minor("3") == "3");
    CHECK(major_minor("") == "");
}
