// Maven coordinates: parsing the forms users type and the maven2 repository layout.
#pragma once

#include "common/error.h"

#include <string>
#include <string_view>

namespace streamsubmit::resolver {

struct Coordinate {
    std::string group;
    std::string artifact;
    std::string version;          // may be a range, LATEST or RELEASE before resolution
    std::string extension = "jar";
    std::string classifier;
    // The declared <type> when it differs from the extension (test-jar, ejb-client, ...):
    // printed as Maven prints it, never part of the conflict key or the path.
    std::string type = {};

    // g:a:v, or g:a:ext:v / g:a:ext:classifier:v when those are not the defaults.
    std::string to_string() const;
    // groupId:artifactId
    std::string key() const;
    // groupId:artifactId:extension:classifier — Maven's conflict key
    std::string conflict_key() const;
    // What Maven prints as the type: the declared type, else the extension.
    const std::string &printed_type() const { return type.empty() ? extension : type; }
    // "1.0-SNAPSHOT" for "1.0-20240101.120000-3", else the version itself
    std::string base_version() const;
    bool is_snapshot() const;
    // g/r/o/u/p/artifact/baseVersion/artifact-version[-classifier].extension
    std::string path() const;
    std::string pom_path() const;
    bool operator==(const Coordinate &) const = default;
};

// Accepts g:a:v, g/a:v, g:a:ext:v and g:a:ext:classifier:v. Rejects empty parts, "..", a
// leading or trailing ".", "/", "\" and control characters, so a coordinate can never name a
// path outside the repository. Errors are ErrorKind::Usage.
Result<Coordinate> parse_coordinate(std::string_view text);

// "g:a" or "g:*" as given to --exclude-packages.
Result<std::pair<std::string, std::string>> parse_exclusion(std::string_view text);

// Checks one part (group, artifact, version, ...) for the characters above.
bool is_safe_part(std::string_view part);

// Maven's type → (extension, classifier) mapping for the types Maven core knows.
std::pair<std::string, std::string> type_to_extension(std::string_view type, std::string_view classifier);

std::string group_path(std::string_view group); // dots become slashes

} // namespace streamsubmit::resolver
