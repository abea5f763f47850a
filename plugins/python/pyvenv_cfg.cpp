#include "pyvenv_cfg.h"

namespace streamsubmit::python {
namespace {

std::string trim(std::string s) {
    s.erase(0, s.find_first_not_of(" \t"));
    s.erase(s.find_last_not_of(" \t\r") + 1);
    return s;
}

} // namespace

std::string pyvenv_version(std::istream &cfg) {
    for (std::string line; std::getline(cfg, line);) {
        const auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        const std::string key = trim(line.substr(0, eq));
        if (key == "version" || key == "version_info") return trim(line.substr(eq + 1));
    }
    return {};
}

std::string major_minor(const std::string &version) {
    const auto first = version.find('.');
    if (first == std::string::npos) return version;
    return version.substr(0, version.find('.', first + 1));
}

} // namespace streamsubmit::python
