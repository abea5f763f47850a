// The lockfile: every resolved coordinate with its scope, repository and sha256, plus
// the tree. Written when absent; when present the resolution is pinned to it (no POM
// is read) and every file's sha256 must match, or the run is refused.
#pragma once

#include "common/error.h"

#include <filesystem>
#include <string>
#include <vector>

namespace streamsubmit::resolver {

struct LockEntry {
    std::string coordinate; // g:a[:ext[:classifier]]:v
    std::string scope;
    std::string repository;
    std::string sha256;
    int depth = 1;
    std::vector<size_t> children;
    std::string type = {}; // the declared type when it is not the extension (test-jar, ...)
};

struct Lockfile {
    int version = 1;
    std::vector<std::string> requested;  // the coordinates as given, in order
    std::vector<std::string> exclusions; // as given
    std::vector<LockEntry> artifacts;    // dependencies before dependents
    std::vector<size_t> roots;
};

std::string render_lockfile(const Lockfile &lock);
Result<Lockfile> parse_lockfile(std::string_view json, const std::string &source);
Result<Lockfile> read_lockfile(const std::filesystem::path &path);
Status write_lockfile(const std::filesystem::path &path, const Lockfile &lock);

} // namespace streamsubmit::resolver
