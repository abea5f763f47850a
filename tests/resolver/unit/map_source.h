// An in-memory ModelSource for tests: POM texts and metadata versions by coordinate.
#pragma once

#include "resolver/model_source.h"

#include <map>
#include <string>

namespace streamsubmit::resolver::testing {

class MapSource : public ModelSource {
public:
    std::map<std::string, std::string> poms;                       // "g:a:v" -> XML
    std::map<std::string, std::vector<std::string>> versions;      // "g:a" -> versions
    int pom_requests = 0;

    void add(const std::string &gav, const std::string &xml) { poms[gav] = xml; }

    bool has_pom(const Gav &gav) const override { return poms.count(gav.to_string()) > 0; }
    bool pom_not_found(const Gav &gav) const override { return missing_is_not_found && !has_pom(gav); }
    bool missing_is_not_found = false;
    Result<PomText> pom(const Gav &gav) override {
        ++pom_requests;
        auto it = poms.find(gav.to_string());
        if (it == poms.end())
            return Error(ErrorKind::Resolution, "unknown artifact " + gav.to_string(), gav.to_string(), "add it");
        return PomText{it->second, "mem:" + gav.to_string()};
    }
    Result<MavenMetadata> metadata(const std::string &group, const std::string &artifact) override {
        MavenMetadata m;
        m.group = group;
        m.artifact = artifact;
        auto it = versions.find(group + ":" + artifact);
        if (it != versions.end()) m.versions = it->second;
        if (!m.versions.empty()) m.latest = m.release = m.versions.back();
        return m;
    }
};

// A minimal POM: deps is the inner XML of <dependencies>.
inline std::string pom(const std::string &g, const std::string &a, const std::string &v, const std::string &deps = {},
                       const std::string &extra = {}) {
    return "<project><modelVersion>4.0.0</modelVersion><groupId>" + g + "</groupId><artifactId>" + a +
           "</artifactId><version>" + v + "</version>" + extra + "<dependencies>" + deps + "</dependencies></project>";
}

inline std::string dep(const std::string &g, const std::string &a, const std::string &v, const std::string &extra = {}) {
    return "<dependency><groupId>" + g + "</groupId><artifactId>" + a + "</artifactId>" +
           (v.empty() ? "" : "<version>" + v + "</version>") + extra + "</dependency>";
}

} // namespace streamsubmit::resolver::testing
