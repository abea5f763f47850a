// Where POMs and maven-metadata.xml come from: the repository chain in production,
// a map in tests. prefetch_* download in parallel and never fail; the single getters
// report what went wrong.
#pragma once

#include "common/error.h"
#include "resolver/metadata.h"

#include <string>
#include <vector>

namespace streamsubmit::resolver {

struct Gav {
    std::string group, artifact, version;
    std::string to_string() const { return group + ":" + artifact + ":" + version; }
    bool operator==(const Gav &) const = default;
    bool operator<(const Gav &o) const { return to_string() < o.to_string(); }
};

struct PomText {
    std::string text;
    std::string source; // URL (credentials removed) or path
};

class ModelSource {
public:
    virtual ~ModelSource() = default;
    virtual bool has_pom(const Gav &gav) const = 0;
    virtual void prefetch_poms(const std::vector<Gav> &gavs) { (void)gavs; }
    virtual Result<PomText> pom(const Gav &gav) = 0;
    // True when every repository answered "not found" for this POM (not a transfer error).
    virtual bool pom_not_found(const Gav &gav) const {
        (void)gav;
        return false;
    }
    // g/a/maven-metadata.xml merged across every repository.
    virtual void prefetch_metadata(const std::vector<std::pair<std::string, std::string>> &keys) { (void)keys; }
    virtual Result<MavenMetadata> metadata(const std::string &group, const std::string &artifact) = 0;
};

} // namespace streamsubmit::resolver
