// The lockfile: every resolved coordinate with its scope, repository, sha256 and signing
// key (like Gradle's verification metadata), plus the tree. Written when absent; when
// present the resolution is pinned to it (no POM is read), and every file's sha256 must
// match and every recorded signing key sign it again, or the run is refused.
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
    std::string signing_key = {}; // fingerprint of the trusted key that signed it; empty: unverified
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
