// The parts of a POM that dependency resolution needs, parsed with pugixml.
#pragma once

#include "common/error.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace streamsubmit::resolver {

struct Exclusion {
    std::string group, artifact; // "*" matches anything
    bool operator==(const Exclusion &) const = default;
};

struct PomDependency {
    std::string group, artifact, version, type, classifier, scope, optional;
    std::vector<Exclusion> exclusions;
    int line = 0;

    // groupId:artifactId:type:classifier with type defaulting to jar: the key
    // dependencyManagement and inheritance merge by.
    std::string management_key() const;
};

struct ParentRef {
    std::string group, artifact, version;
};

struct Relocation {
    std::string group, artifact, version;
};

struct ProfileActivation {
    bool active_by_default = false;
    std::string jdk;                    // "1.8", "[11,)", "!1.8"
    std::string property_name;          // "!name" means absent
    std::string property_value;
    std::string os_family, os_name, os_arch, os_version;
    bool has_file = false;              // file activation: never active here
};

struct PomProfile {
    std::string id;
    ProfileActivation activation;
    std::vector<std::pair<std::string, std::string>> properties;
    std::vector<PomDependency> managed;
    std::vector<PomDependency> dependencies;
};

struct Pom {
    std::optional<ParentRef> parent;
    std::string group, artifact, version, packaging;
    std::vector<std::pair<std::string, std::string>> properties; // in document order
    std::vector<PomDependency> managed;                          // dependencyManagement
    std::vector<PomDependency> dependencies;
    std::vector<PomProfile> profiles;
    std::optional<Relocation> relocation;
    std::string source; // URL or path, for error messages
};

// Errors are ErrorKind::Resolution and name `source` and the line of the problem.
Result<Pom> parse_pom(std::string_view xml, std::string_view source);

// 1-based line of a byte offset, for messages.
int line_of_offset(std::string_view text, size_t offset);

} // namespace streamsubmit::resolver
