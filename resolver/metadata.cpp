#include "resolver/metadata.h"

#include "resolver/pom.h"
#include "resolver/version.h"

#include <pugixml.hpp>

#include <algorithm>
#include <set>
#include <sstream>

namespace streamsubmit::resolver {
namespace {

std::string text_of(const pugi::xml_node &n, const char *name) {
    std::string v = n.child(name).text().as_string();
    const auto b = v.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    return v.substr(b, v.find_last_not_of(" \t\r\n") - b + 1);
}

std::string max_version(const std::string &a, const std::string &b) {
    if (a.empty()) return b;
    if (b.empty()) return a;
    return compare_versions(a, b) >= 0 ? a : b;
}

std::string xml_escape(const std::string &s) {
    std::string out;
    for (const char c : s) {
        switch (c) {
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '&': out += "&amp;"; break;
        default: out += c;
        }
    }
    return out;
}

} // namespace

std::string MavenMetadata::snapshot_value(const std::string &base_version, const std::string &extension,
                                          const std::string &classifier) const {
    for (const auto &sv : snapshot_versions)
        if (sv.extension == extension && sv.classifier == classifier && !sv.value.empty()) return sv.value;
    if (!snapshot_timestamp.empty() && snapshot_build_number > 0 && base_version.ends_with("-SNAPSHOT") && !local_copy)
        return base_version.substr(0, base_version.size() - 8) + snapshot_timestamp + "-" +
               std::to_string(snapshot_build_number);
    return base_version;
}

Result<MavenMetadata> parse_metadata(std::string_view xml, std::string_view source) {
    pugi::xml_document doc;
    const auto res = doc.load_buffer(xml.data(), xml.size());
    if (!res)
        return Error(ErrorKind::Resolution,
                     "malformed maven-metadata.xml at line " +
                         std::to_string(line_of_offset(xml, static_cast<size_t>(std::max<std::ptrdiff_t>(0, res.offset)))) +
                         ": " + res.description(),
                     std::string(source), "the repository serves a broken file; check the repository");
    const auto root = doc.child("metadata");
    if (!root)
        return Error(ErrorKind::Resolution, "not a maven-metadata.xml: the root element is not <metadata>",
                     std::string(source), "check the repository URL");
    MavenMetadata m;
    m.group = text_of(root, "groupId");
    m.artifact = text_of(root, "artifactId");
    m.version = text_of(root, "version");
    const auto v = root.child("versioning");
    m.latest = text_of(v, "latest");
    m.release = text_of(v, "release");
    m.last_updated = text_of(v, "lastUpdated");
    for (const auto &ver : v.child("versions").children("version")) {
        std::string s = ver.text().as_string();
        const auto b = s.find_first_not_of(" \t\r\n");
        if (b == std::string::npos) continue;
        m.versions.push_back(s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1));
    }
    const auto snap = v.child("snapshot");
    m.snapshot_timestamp = text_of(snap, "timestamp");
    m.snapshot_build_number = snap.child("buildNumber").text().as_int(0);
    m.local_copy = text_of(snap, "localCopy") == "true";
    for (const auto &sv : v.child("snapshotVersions").children("snapshotVersion"))
        m.snapshot_versions.push_back(
            {text_of(sv, "classifier"), text_of(sv, "extension"), text_of(sv, "value"), text_of(sv, "updated")});
    return m;
}

MavenMetadata merge_metadata(const MavenMetadata &a, const MavenMetadata &b) {
    MavenMetadata m = a;
    if (m.group.empty()) m.group = b.group;
    if (m.artifact.empty()) m.artifact = b.artifact;
    if (m.version.empty()) m.version = b.version;
    m.latest = max_version(a.latest, b.latest);
    m.release = max_version(a.release, b.release);
    m.last_updated = std::max(a.last_updated, b.last_updated);
    // a's versions keep their order (Maven's merge appends and never sorts); each of b's that a
    // lacks (by text: "1" and "1.0" compare equal but are two versions) goes before the first
    // of them that is greater, so sorted lists stay sorted. Nothing is sorted again: Maven's
    // comparison is not transitive for some strings (fuzz_metadata: "-.\v%\xae5..." equals "0"
    // but not a third version that "0" equals), so a sort could reorder a list it had sorted,
    // and merging a list with itself must give it back unchanged.
    m.versions.clear();
    std::set<std::string> seen;
    for (const auto &v : a.versions)
        if (seen.insert(v).second) m.versions.push_back(v);
    for (const auto &v : b.versions) {
        if (!seen.insert(v).second) continue;
        const auto greater = std::find_if(m.versions.begin(), m.versions.end(),
                                          [&](const std::string &x) { return compare_versions(v, x) < 0; });
        m.versions.insert(greater, v);
    }
    if (b.snapshot_timestamp > m.snapshot_timestamp) {
        m.snapshot_timestamp = b.snapshot_timestamp;
        m.snapshot_build_number = b.snapshot_build_number;
    }
    for (const auto &sv : b.snapshot_versions) {
        auto it = std::find_if(m.snapshot_versions.begin(), m.snapshot_versions.end(), [&](const SnapshotVersion &x) {
            return x.classifier == sv.classifier && x.extension == sv.extension;
        });
        if (it == m.snapshot_versions.end()) m.snapshot_versions.push_back(sv);
        else if (sv.updated > it->updated) *it = sv;
    }
    return m;
}

std::string render_metadata(const MavenMetadata &m) {
    std::ostringstream o;
    o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata>\n";
    o << "  <groupId>" << xml_escape(m.group) << "</groupId>\n";
    o << "  <artifactId>" << xml_escape(m.artifact) << "</artifactId>\n";
    if (!m.version.empty()) o << "  <version>" << xml_escape(m.version) << "</version>\n";
    o << "  <versioning>\n";
    if (!m.latest.empty()) o << "    <latest>" << xml_escape(m.latest) << "</latest>\n";
    if (!m.release.empty()) o << "    <release>" << xml_escape(m.release) << "</release>\n";
    if (!m.versions.empty()) {
        o << "    <versions>\n";
        for (const auto &v : m.versions) o << "      <version>" << xml_escape(v) << "</version>\n";
        o << "    </versions>\n";
    }
    if (!m.snapshot_versions.empty()) {
        o << "    <snapshotVersions>\n";
        for (const auto &sv : m.snapshot_versions) {
            o << "      <snapshotVersion>\n";
            if (!sv.classifier.empty()) o << "        <classifier>" << xml_escape(sv.classifier) << "</classifier>\n";
            o << "        <extension>" << xml_escape(sv.extension) << "</extension>\n";
            o << "        <value>" << xml_escape(sv.value) << "</value>\n";
            if (!sv.updated.empty()) o << "        <updated>" << xml_escape(sv.updated) << "</updated>\n";
            o << "      </snapshotVersion>\n";
        }
        o << "    </snapshotVersions>\n";
    }
    if (!m.last_updated.empty()) o << "    <lastUpdated>" << m.last_updated << "</lastUpdated>\n";
    o << "  </versioning>\n</metadata>\n";
    return o.str();
}

} // namespace streamsubmit::resolver
