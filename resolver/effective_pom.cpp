#include "resolver/effective_pom.h"

#include "resolver/pom_interpolation.h"
#include "resolver/running_system.h"
#include "resolver/version_range.h"

#include <algorithm>
#include <unordered_map>
#include <cstdlib>

namespace streamsubmit::resolver {
namespace {

const char *const kMissing = "\x01pom not yet fetched";

bool is_missing(const Error &e) { return e.what == kMissing; }

bool negated_match(std::string spec, const std::function<bool(const std::string &)> &test) {
    bool negate = false;
    if (!spec.empty() && spec.front() == '!') negate = true, spec.erase(0, 1);
    return test(spec) != negate;
}

std::string lower(std::string s) {
    for (auto &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Position of each entry by management key: BOMs manage hundreds of entries, so lookups
// by linear search (building a key per comparison) made resolution quadratic.
std::unordered_map<std::string, size_t> index_by_key(const std::vector<PomDependency> &entries) {
    std::unordered_map<std::string, size_t> index;
    index.reserve(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) index.emplace(entries[i].management_key(), i);
    return index;
}

// Merges `source` entries into `target` by management key; existing entries win.
void merge_by_key(std::vector<PomDependency> &target, const std::vector<PomDependency> &source) {
    auto index = index_by_key(target);
    for (const auto &d : source)
        if (index.emplace(d.management_key(), target.size()).second) target.push_back(d);
}

// Profile entries replace the model's entries with the same key.
void inject_by_key(std::vector<PomDependency> &target, const std::vector<PomDependency> &profile) {
    auto index = index_by_key(target);
    for (const auto &d : profile) {
        const auto [it, added] = index.emplace(d.management_key(), target.size());
        if (added) target.push_back(d);
        else target[it->second] = d;
    }
}

void set_property(std::vector<std::pair<std::string, std::string>> &props, const std::string &k, const std::string &v) {
    auto it = std::find_if(props.begin(), props.end(), [&](const auto &kv) { return kv.first == k; });
    if (it != props.end()) it->second = v;
    else props.emplace_back(k, v);
}

Pom with_profiles(const Pom &raw) {
    Pom pom = raw;
    std::vector<const PomProfile *> active;
    for (const auto &p : raw.profiles)
        if (profile_active(p.activation)) active.push_back(&p);
    if (active.empty())
        for (const auto &p : raw.profiles)
            if (p.activation.active_by_default) active.push_back(&p);
    for (const auto *p : active) {
        for (const auto &[k, v] : p->properties) set_property(pom.properties, k, v);
        inject_by_key(pom.managed, p->managed);
        inject_by_key(pom.dependencies, p->dependencies);
    }
    pom.profiles.clear();
    return pom;
}

Status interpolate_dependency(const Interpolator &in, PomDependency &d) {
    for (std::string *field : {&d.group, &d.artifact, &d.version, &d.type, &d.classifier, &d.scope, &d.optional}) {
        auto r = in.interpolate(*field);
        if (!r) return r.error();
        *field = std::move(*r);
    }
    for (auto &e : d.exclusions) {
        for (std::string *field : {&e.group, &e.artifact}) {
            auto r = in.interpolate(*field);
            if (!r) return r.error();
            *field = std::move(*r);
        }
    }
    return ok_status();
}

// Maven rejects ids that keep an unresolved expression ("does not match a valid id pattern").
std::string unresolved_id(const char *what, const std::string &id) {
    const auto start = id.find("${");
    if (start == std::string::npos) return {};
    const auto end = id.find('}', start);
    return std::string(what) + " '" + id + "' keeps the unresolved " + id.substr(start, end == std::string::npos ? end : end - start + 1);
}

std::string invalid_reason(const Pom &merged) {
    if (auto r = unresolved_id("groupId", merged.group); !r.empty()) return r;
    if (auto r = unresolved_id("artifactId", merged.artifact); !r.empty()) return r;
    for (const auto &d : merged.dependencies) {
        const std::string where = "dependency (line " + std::to_string(d.line) + ") ";
        if (auto r = unresolved_id((where + "groupId").c_str(), d.group); !r.empty()) return r;
        if (auto r = unresolved_id((where + "artifactId").c_str(), d.artifact); !r.empty()) return r;
    }
    return {};
}

} // namespace

bool profile_active(const ProfileActivation &a) {
    if (a.has_file) return false;
    bool any = false;
    if (!a.jdk.empty()) {
        any = true;
        const std::string java = default_system_properties().at("java.version");
        const bool ok = negated_match(a.jdk, [&](const std::string &spec) {
            if (is_range_spec(spec)) {
                auto c = VersionConstraint::parse(spec);
                return c.ok() && c->contains(Version(java));
            }
            return java.starts_with(spec);
        });
        if (!ok) return false;
    }
    if (!a.property_name.empty()) {
        any = true;
        std::string name = a.property_name;
        const bool negate = name.front() == '!';
        if (negate) name.erase(0, 1);
        const auto &sys = default_system_properties();
        const auto it = sys.find(name);
        bool ok;
        if (a.property_value.empty()) ok = (it != sys.end()) != negate;
        else ok = negated_match(a.property_value, [&](const std::string &v) { return it != sys.end() && it->second == v; });
        if (!ok) return false;
    }
    if (!a.os_family.empty() || !a.os_name.empty() || !a.os_arch.empty() || !a.os_version.empty()) {
        any = true;
        const OsFacts &os = running_os();
        const auto equals = [](const std::string &fact) {
            return [value = lower(fact)](const std::string &spec) { return spec == value; };
        };
        if (!a.os_family.empty() &&
            !negated_match(lower(a.os_family), [&](const std::string &f) { return os_family_matches(os, f); }))
            return false;
        if (!a.os_name.empty() && !negated_match(lower(a.os_name), equals(os.name))) return false;
        if (!a.os_arch.empty() && !negated_match(lower(a.os_arch), equals(os.arch))) return false;
        if (!a.os_version.empty() && !negated_match(lower(a.os_version), equals(os.version))) return false;
    }
    return any;
}

EffectivePomBuilder::EffectivePomBuilder(ModelSource &source) : source_(source) {}

Result<std::shared_ptr<const Pom>> EffectivePomBuilder::raw(const Gav &gav, std::vector<Gav> *missing) {
    const auto key = gav.to_string();
    if (auto it = raw_.find(key); it != raw_.end()) return it->second;
    if (missing && !source_.has_pom(gav)) {
        missing->push_back(gav);
        return Error(ErrorKind::Resolution, kMissing, key);
    }
    auto text = source_.pom(gav);
    if (!text) return text.error();
    auto pom = parse_pom(text->text, text->source);
    if (!pom) return pom.error();
    auto shared = std::make_shared<const Pom>(std::move(*pom));
    raw_[key] = shared;
    return shared;
}

Result<std::shared_ptr<const EffectivePom>> EffectivePomBuilder::build(const Gav &gav, std::vector<Gav> *missing) {
    std::vector<std::string> stack;
    return build(gav, missing, stack);
}

void EffectivePomBuilder::prefetch(const std::vector<Gav> &gavs) {
    std::vector<Gav> need = gavs;
    for (int round = 0; round < 32 && !need.empty(); ++round) {
        std::sort(need.begin(), need.end());
        need.erase(std::unique(need.begin(), need.end()), need.end());
        source_.prefetch_poms(need);
        std::vector<Gav> next;
        for (const auto &g : gavs) (void)build(g, &next);
        // A POM that failed to download stays missing; stop asking for it again.
        std::vector<Gav> filtered;
        for (const auto &g : next)
            if (std::find(need.begin(), need.end(), g) == need.end()) filtered.push_back(g);
        need = std::move(filtered);
    }
}

Result<std::shared_ptr<const EffectivePom>> EffectivePomBuilder::build(const Gav &gav, std::vector<Gav> *missing,
                                                                       std::vector<std::string> &import_stack) {
    const auto key = gav.to_string();
    if (auto it = effective_.find(key); it != effective_.end()) return it->second;

    // 1. The lineage, child first.
    std::vector<Pom> lineage;
    std::vector<std::string> seen;
    Gav current = gav;
    for (;;) {
        if (std::find(seen.begin(), seen.end(), current.to_string()) != seen.end() || seen.size() > 32)
            return Error(ErrorKind::Resolution, "parent POM cycle: " + current.to_string(), key,
                         "the repository's POMs name each other as parents; use another version");
        seen.push_back(current.to_string());
        auto pom = raw(current, missing);
        if (!pom) {
            if (is_missing(pom.error()) || lineage.empty()) return pom.error();
            const Error &e = pom.error();
            return Error(e.kind, "cannot read parent POM " + current.to_string() + " of " + key + ": " + e.what, e.input,
                         e.hint);
        }
        lineage.push_back(with_profiles(**pom));
        const auto &parent = (*pom)->parent;
        if (!parent) break;
        current = Gav{parent->group, parent->artifact, parent->version};
    }

    // 2. Inheritance, from the top-most ancestor down.
    Pom merged = lineage.back();
    for (size_t i = lineage.size() - 1; i-- > 0;) {
        const Pom &child = lineage[i];
        Pom next = child;
        if (next.group.empty()) next.group = merged.group;
        if (next.version.empty()) next.version = merged.version;
        std::vector<std::pair<std::string, std::string>> props = merged.properties;
        for (const auto &[k, v] : child.properties) set_property(props, k, v);
        next.properties = std::move(props);
        merge_by_key(next.managed, merged.managed);
        merge_by_key(next.dependencies, merged.dependencies);
        merged = std::move(next);
    }
    if (merged.packaging.empty()) merged.packaging = "jar";

    // 3. Interpolation.
    InterpolationScope scope;
    scope.project = {{"groupId", merged.group},     {"artifactId", merged.artifact}, {"version", merged.version},
                     {"packaging", merged.packaging}, {"basedir", "."}};
    if (merged.parent) {
        scope.project["parent.groupId"] = merged.parent->group;
        scope.project["parent.artifactId"] = merged.parent->artifact;
        scope.project["parent.version"] = merged.parent->version;
    }
    scope.properties = merged.properties;
    scope.system = default_system_properties();
    scope.env = [this](std::string_view name) -> std::optional<std::string> {
        read_environment_ = true;
        const char *v = std::getenv(std::string(name).c_str());
        return v ? std::optional<std::string>(v) : std::nullopt;
    };
    scope.source = merged.source;
    Interpolator in(std::move(scope));
    for (std::string *id : {&merged.group, &merged.artifact})
        if (auto r = in.interpolate(*id)) *id = std::move(*r); // a cycle leaves the id as written: invalid below
    for (auto *list : {&merged.managed, &merged.dependencies})
        for (auto &d : *list)
            if (auto st = interpolate_dependency(in, d); !st) return st.error();
    if (merged.relocation)
        for (std::string *f : {&merged.relocation->group, &merged.relocation->artifact, &merged.relocation->version}) {
            auto r = in.interpolate(*f);
            if (!r) return r.error();
            *f = *r;
        }

    auto eff = std::make_shared<EffectivePom>();
    eff->group = merged.group;
    eff->artifact = merged.artifact;
    eff->version = merged.version;
    eff->packaging = merged.packaging;
    eff->relocation = merged.relocation;
    eff->source = merged.source;
    eff->invalid = invalid_reason(merged);

    // 4. BOM import: own entries first, then each import's entries not yet present.
    std::vector<PomDependency> managed;
    std::vector<PomDependency> imports;
    for (const auto &d : merged.managed) {
        if (d.scope == "import" && d.type == "pom") imports.push_back(d);
        else if (d.scope != "import") managed.push_back(d);
    }
    for (const auto &imp : imports) {
        const Gav bom{imp.group, imp.artifact, imp.version};
        if (std::find(import_stack.begin(), import_stack.end(), bom.to_string()) != import_stack.end())
            return Error(ErrorKind::Resolution, "BOM import cycle at " + bom.to_string(), key,
                         "the BOMs import each other; use other versions");
        import_stack.push_back(key);
        auto bom_pom = build(bom, missing, import_stack);
        import_stack.pop_back();
        if (!bom_pom) {
            if (is_missing(bom_pom.error())) return bom_pom.error();
            const Error &e = bom_pom.error();
            return Error(e.kind, "cannot import BOM " + bom.to_string() + " into " + key + ": " + e.what, e.input, e.hint);
        }
        merge_by_key(managed, (*bom_pom)->managed);
    }
    eff->managed = managed;

    // 5. Management injected into dependencies, then defaults.
    const auto managed_index = index_by_key(managed);
    for (auto d : merged.dependencies) {
        const auto found = managed_index.find(d.management_key());
        if (found != managed_index.end()) {
            const auto it = managed.begin() + static_cast<std::ptrdiff_t>(found->second);
            if (d.version.empty()) d.version = it->version;
            if (d.scope.empty()) d.scope = it->scope;
            if (d.exclusions.empty()) d.exclusions = it->exclusions;
        }
        if (d.scope.empty()) d.scope = "compile";
        if (d.version.empty()) {
            eff->warnings.push_back("dependency " + d.group + ":" + d.artifact + " (line " + std::to_string(d.line) +
                                    ") has no version and no dependencyManagement entry; ignored");
            continue;
        }
        eff->dependencies.push_back(std::move(d));
    }
    effective_[key] = eff;
    return std::shared_ptr<const EffectivePom>(eff);
}

} // namespace streamsubmit::resolver
