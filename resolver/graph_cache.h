// The resolved graph kept in the cache (root/graphs/<sha256 of the key>.json), so a warm run
// reads one file instead of every POM. The key names every input the graph depends on
// (coordinates, exclusions, repositories, checksum policy, the profile context: OS, Java,
// platform classifier); an entry is used while the oldest changing input it was built from
// (maven-metadata.xml, a remembered 404) is younger than the TTL. Entries are written
// crash-safely (common/atomic_file); an unreadable entry is a miss, never an error.
#pragma once

#include "common/error.h"
#include "resolver/coordinate.h"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace streamsubmit::resolver {

struct CachedArtifact {
    Coordinate coordinate;
    std::string scope;
    std::string repository; // where its POM came from
    int depth = 1;
    std::vector<size_t> children;
};

struct CachedGraph {
    std::vector<CachedArtifact> artifacts; // dependencies before dependents
    std::vector<size_t> roots;
    std::vector<std::string> warnings;     // shown again on every run, as a fresh resolution would
    // When the oldest changing file the graph was built from was fetched: the TTL runs from here.
    std::chrono::system_clock::time_point built_from;
};

class GraphCache {
public:
    // `key` lists the inputs, one per line; entries live under cache_root/graphs.
    GraphCache(const std::filesystem::path &cache_root, std::string key);

    // The entry when present, readable, for this key and younger than `ttl`.
    std::optional<CachedGraph> load(std::chrono::seconds ttl) const;
    Status store(const CachedGraph &graph) const;

private:
    std::filesystem::path file_;
    std::string key_;
};

} // namespace streamsubmit::resolver
