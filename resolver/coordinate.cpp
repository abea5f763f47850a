#include "resolver/coordinate.h"

#include <regex>
#include <vector>

namespace streamsubmit::resolver {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    size_t start = 0;
    for (;;) {
        const size_t pos = s.find(sep, start);
        out.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
        if (pos == std::string_view::npos) break;
        start = pos + 1;
    }
    return out;
}

Error usage(std::string what, std::string_view input) {
    return Error(ErrorKind::Usage, std::move(what), std::string(input),
                 "write groupId:artifactId:version (also groupId/artifactId:version, "
                 "groupId:artifactId:extension:version or groupId:artifactId:extension:classifier:version)");
}

const std::regex kTimestamped(R"(^(.*)-(\d{8}\.\d{6})-(\d+)$)");

} // namespace

bool is_safe_part(std::string_view part) {
    if (part.empty() || part.find("..") != std::string_view::npos) return false;
    // A groupId's dots become slashes: ".evil" would be the absolute path "/evil/...", and
    // "g." an empty path segment.
    if (part.front() == '.' || part.back() == '.') return false;
    for (const char c : part) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '/' || c == '\\' || u < 0x20 || u == 0x7f || c == ' ' || c == ':') return false;
    }
    return true;
}

std::string group_path(std::string_view group) {
    std::string out(group);
    for (auto &c : out)
        if (c == '.') c = '/';
    return out;
}

std::string Coordinate::to_string() const {
    std::string out = group + ":" + artifact;
    if (!classifier.empty()) out += ":" + extension + ":" + classifier;
    else if (extension != "jar") out += ":" + extension;
    return out + ":" + version;
}

std::string Coordinate::key() const { return group + ":" + artifact; }

std::string Coordinate::conflict_key() const { return group + ":" + artifact + ":" + extension + ":" + classifier; }

bool Coordinate::is_snapshot() const {
    if (version.ends_with("SNAPSHOT")) return true;
    return std::regex_match(version, kTimestamped);
}

std::string Coordinate::base_version() const {
    std::smatch m;
    if (std::regex_match(version, m, kTimestamped)) return m[1].str() + "-SNAPSHOT";
    return version;
}

std::string Coordinate::path() const {
    std::string out = group_path(group) + "/" + artifact + "/" + base_version() + "/" + artifact + "-" + version;
    if (!classifier.empty()) out += "-" + classifier;
    return out + "." + extension;
}

std::string Coordinate::pom_path() const {
    Coordinate pom = *this;
    pom.extension = "pom";
    pom.classifier.clear();
    return pom.path();
}

Result<Coordinate> parse_coordinate(std::string_view raw) {
    std::string_view text = raw;
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    if (text.empty()) return usage("empty package coordinate", raw);
    std::string normalized(text);
    // g/a:v (spark-submit accepts it): the first slash separates group and artifact.
    if (const auto slash = normalized.find('/'); slash != std::string::npos && normalized.find(':') != std::string::npos &&
                                                 slash < normalized.find(':') &&
                                                 normalized.find('/', slash + 1) == std::string::npos)
        normalized[slash] = ':';
    const auto parts = split(normalized, ':');
    Coordinate c;
    switch (parts.size()) {
    case 3:
        c.group = parts[0], c.artifact = parts[1], c.version = parts[2];
        break;
    case 4:
        c.group = parts[0], c.artifact = parts[1], c.extension = parts[2], c.version = parts[3];
        break;
    case 5:
        c.group = parts[0], c.artifact = parts[1], c.extension = parts[2], c.classifier = parts[3],
        c.version = parts[4];
        break;
    default:
        return usage("malformed package coordinate: expected 3 to 5 parts separated by ':', found " +
                         std::to_string(parts.size()),
                     raw);
    }
    const char *names[] = {"groupId", "artifactId", "extension", "classifier", "version"};
    const std::string *values[] = {&c.group, &c.artifact, &c.extension, &c.classifier, &c.version};
    for (int i = 0; i < 5; ++i) {
        if (i == 3 && parts.size() < 5) continue;
        const std::string &v = *values[i];
        if (v.empty()) return usage(std::string("malformed package coordinate: empty ") + names[i], raw);
        if (!is_safe_part(v))
            return usage(std::string("malformed package coordinate: the ") + names[i] +
                             " contains '..', '/', '\\', a space or a control character, or starts or ends with '.'",
                         raw);
    }
    return c;
}

Result<std::pair<std::string, std::string>> parse_exclusion(std::string_view text) {
    const auto parts = split(text, ':');
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty() ||
        (parts[0] != "*" && !is_safe_part(parts[0])) || (parts[1] != "*" && !is_safe_part(parts[1])))
        return Error(ErrorKind::Usage, "malformed exclusion", std::string(text),
                     "write groupId:artifactId; '*' matches any groupId or artifactId");
    return std::pair{std::string(parts[0]), std::string(parts[1])};
}

std::pair<std::string, std::string> type_to_extension(std::string_view type, std::string_view classifier) {
    std::string cls(classifier);
    if (type.empty() || type == "jar" || type == "ejb" || type == "maven-plugin" || type == "ejb-client" ||
        type == "test-jar" || type == "java-source" || type == "javadoc") {
        if (cls.empty()) {
            if (type == "test-jar") cls = "tests";
            else if (type == "ejb-client") cls = "client";
            else if (type == "java-source") cls = "sources";
            else if (type == "javadoc") cls = "javadoc";
        }
        return {"jar", cls};
    }
    return {std::string(type), cls};
}

} // namespace streamsubmit::resolver
