#include "resolver/pom.h"

#include <pugixml.hpp>

#include <algorithm>
#include <cctype>
#include <unordered_map>

namespace streamsubmit::resolver {
namespace {

std::string text_of(const pugi::xml_node &parent, const char *name) {
    std::string v = parent.child(name).text().as_string();
    const auto b = v.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    const auto e = v.find_last_not_of(" \t\r\n");
    return v.substr(b, e - b + 1);
}

// A dependency declared twice in one <dependencies>: as Maven, the last declaration wins,
// in the place of the first.
std::vector<PomDependency> last_declaration_wins(std::vector<PomDependency> deps) {
    std::vector<PomDependency> out;
    std::unordered_map<std::string, size_t> position;
    for (auto &d : deps) {
        const auto [it, added] = position.emplace(d.management_key(), out.size());
        if (added) out.push_back(std::move(d));
        else out[it->second] = std::move(d);
    }
    return out;
}

struct Parser {
    explicit Parser(std::string_view text) : xml(text) {
        for (size_t i = 0; i < xml.size(); ++i)
            if (xml[i] == '\n') newlines.push_back(i);
    }
    std::string_view xml;
    std::vector<size_t> newlines; // offsets of every '\n': a node's line is a binary search, not a scan

    int line(const pugi::xml_node &n) const {
        const auto offset = static_cast<size_t>(std::max<std::ptrdiff_t>(0, n.offset_debug()));
        return 1 + static_cast<int>(std::lower_bound(newlines.begin(), newlines.end(), offset) - newlines.begin());
    }

    PomDependency dependency(const pugi::xml_node &n) const {
        PomDependency d;
        d.group = text_of(n, "groupId");
        d.artifact = text_of(n, "artifactId");
        d.version = text_of(n, "version");
        d.type = text_of(n, "type");
        d.classifier = text_of(n, "classifier");
        d.scope = text_of(n, "scope");
        d.optional = text_of(n, "optional");
        d.line = line(n);
        for (const auto &e : n.child("exclusions").children("exclusion"))
            d.exclusions.push_back({text_of(e, "groupId"), text_of(e, "artifactId")});
        return d;
    }

    std::vector<PomDependency> dependencies(const pugi::xml_node &n) const {
        std::vector<PomDependency> out;
        for (const auto &d : n.children("dependency")) out.push_back(dependency(d));
        return out;
    }

    std::vector<std::pair<std::string, std::string>> properties(const pugi::xml_node &n) const {
        std::vector<std::pair<std::string, std::string>> out;
        for (const auto &p : n.children()) {
            if (p.type() != pugi::node_element) continue;
            std::string v = p.text().as_string();
            const auto b = v.find_first_not_of(" \t\r\n");
            const auto e = v.find_last_not_of(" \t\r\n");
            v = b == std::string::npos ? std::string() : v.substr(b, e - b + 1);
            auto it = std::find_if(out.begin(), out.end(), [&](const auto &kv) { return kv.first == p.name(); });
            if (it != out.end()) it->second = v;
            else out.emplace_back(p.name(), v);
        }
        return out;
    }
};

} // namespace

std::string PomDependency::management_key() const {
    return group + ":" + artifact + ":" + (type.empty() ? "jar" : type) + ":" + classifier;
}

int line_of_offset(std::string_view text, size_t offset) {
    offset = std::min(offset, text.size());
    return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

Result<Pom> parse_pom(std::string_view xml, std::string_view source) {
    pugi::xml_document doc;
    const auto res = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_auto);
    if (!res) {
        const int line = line_of_offset(xml, static_cast<size_t>(std::max<std::ptrdiff_t>(0, res.offset)));
        return Error(ErrorKind::Resolution,
                     "malformed POM at line " + std::to_string(line) + ": " + res.description(), std::string(source),
                     "the repository serves a broken file (streamsubmit does not keep it in its cache); fix it there, or use "
                     "another repository");
    }
    const auto project = doc.child("project");
    if (!project)
        return Error(ErrorKind::Resolution, "not a POM: the root element is not <project>", std::string(source),
                     "the repository served something else (an error page?); check the repository URL");
    Parser p(xml);
    Pom pom;
    pom.source = std::string(source);
    if (const auto parent = project.child("parent"))
        pom.parent = ParentRef{text_of(parent, "groupId"), text_of(parent, "artifactId"), text_of(parent, "version")};
    pom.group = text_of(project, "groupId");
    pom.artifact = text_of(project, "artifactId");
    pom.version = text_of(project, "version");
    pom.packaging = text_of(project, "packaging");
    pom.properties = p.properties(project.child("properties"));
    pom.managed = p.dependencies(project.child("dependencyManagement").child("dependencies"));
    pom.dependencies = last_declaration_wins(p.dependencies(project.child("dependencies")));
    if (const auto reloc = project.child("distributionManagement").child("relocation"))
        pom.relocation = Relocation{text_of(reloc, "groupId"), text_of(reloc, "artifactId"), text_of(reloc, "version")};
    for (const auto &prof : project.child("profiles").children("profile")) {
        PomProfile pr;
        pr.id = text_of(prof, "id");
        const auto act = prof.child("activation");
        pr.activation.active_by_default = text_of(act, "activeByDefault") == "true";
        pr.activation.jdk = text_of(act, "jdk");
        pr.activation.property_name = text_of(act.child("property"), "name");
        pr.activation.property_value = text_of(act.child("property"), "value");
        pr.activation.os_family = text_of(act.child("os"), "family");
        pr.activation.os_name = text_of(act.child("os"), "name");
        pr.activation.os_arch = text_of(act.child("os"), "arch");
        pr.activation.os_version = text_of(act.child("os"), "version");
        pr.activation.has_file = static_cast<bool>(act.child("file"));
        pr.properties = p.properties(prof.child("properties"));
        pr.managed = p.dependencies(prof.child("dependencyManagement").child("dependencies"));
        pr.dependencies = last_declaration_wins(p.dependencies(prof.child("dependencies")));
        pom.profiles.push_back(std::move(pr));
    }
    const auto name_line = [&](const char *what) {
        return Error(ErrorKind::Resolution,
                     std::string("invalid POM at line ") + std::to_string(p.line(project)) + ": " + what,
                     std::string(source), "the POM must name its artifactId, and groupId/version or a parent");
    };
    if (pom.artifact.empty()) return name_line("<artifactId> is missing");
    if (pom.group.empty() && !pom.parent) return name_line("<groupId> is missing and there is no <parent>");
    if (pom.version.empty() && !pom.parent) return name_line("<version> is missing and there is no <parent>");
    return pom;
}

} // namespace streamsubmit::resolver
