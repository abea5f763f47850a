#include "resolver/dependency_graph.h"

#include "resolver/version_range.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <set>

namespace streamsubmit::resolver {
namespace {

int scope_rank(std::string_view s) {
    if (s == "compile") return 4;
    if (s == "runtime") return 3;
    if (s == "provided") return 2;
    if (s == "test") return 1;
    return 0;
}

struct Pending {
    PomDependency decl;
    long parent = -1;
    int depth = 1;
    std::vector<Exclusion> exclusions; // applied to this node's children
};

struct Occurrence {
    long parent;
    int depth;
    std::string declared_scope;
};

struct RangeRequirement {
    std::string spec;
    long parent;
};

struct Walk {
    Graph graph;
    std::map<std::string, std::vector<Occurrence>> occurrences;
    std::map<std::string, std::vector<RangeRequirement>> ranges;
    std::map<std::string, std::pair<std::string, std::string>> key_ga; // conflict key -> (g, a)
};

std::string path_of(const Graph &g, long idx) {
    std::string out;
    while (idx >= 0) {
        const auto &n = g.nodes[static_cast<size_t>(idx)];
        if (!out.empty()) out += " <- ";
        out += n.coordinate.to_string();
        idx = n.parent;
    }
    return out.empty() ? "the command line" : out;
}

// Takes a node out of the tree (it stays in the vector, so indices hold).
void detach(Graph &g, size_t idx) {
    GraphNode &n = g.nodes[idx];
    auto &siblings = n.parent < 0 ? g.roots : g.nodes[static_cast<size_t>(n.parent)].children;
    siblings.erase(std::remove(siblings.begin(), siblings.end(), idx), siblings.end());
    n.removed = true;
}

// The root's dependencyManagement by key, looked up for every transitive dependency.
class ManagedIndex {
public:
    explicit ManagedIndex(const std::vector<PomDependency> &managed) {
        for (const auto &m : managed) by_key_.emplace(m.management_key(), &m); // the first entry wins
    }
    const PomDependency *find(const std::string &key) const {
        const auto it = by_key_.find(key);
        return it == by_key_.end() ? nullptr : it->second;
    }

private:
    std::unordered_map<std::string, const PomDependency *> by_key_;
};

Result<std::string> pick_version(const std::string &spec, const std::string &group, const std::string &artifact,
                                 ModelSource &source, const std::string &where) {
    const bool latest = spec == "LATEST", release = spec == "RELEASE";
    if (!latest && !release && !is_range_spec(spec)) return spec;
    auto meta = source.metadata(group, artifact);
    if (!meta) return meta.error();
    std::string list;
    for (const auto &v : meta->versions) list += (list.empty() ? "" : ", ") + v;
    if (latest || release) {
        std::string v = latest ? meta->latest : meta->release;
        if (v.empty()) // the highest listed (merged lists keep each repository's order)
            for (const auto &cand : meta->versions)
                if ((latest || !cand.ends_with("SNAPSHOT")) && (v.empty() || compare_versions(cand, v) > 0)) v = cand;
        if (v.empty())
            return Error(ErrorKind::Resolution, "no " + spec + " version of " + group + ":" + artifact + " in maven-metadata.xml",
                         where, "name a version explicitly");
        return v;
    }
    auto c = VersionConstraint::parse(spec);
    if (!c) return Error(c.error().kind, c.error().what, group + ":" + artifact + ":" + spec + " (" + where + ")", c.error().hint);
    auto v = c->select(meta->versions);
    if (!v)
        return Error(ErrorKind::Resolution,
                     "no version of " + group + ":" + artifact + " matches " + spec + " (available: " +
                         (list.empty() ? "none" : list) + ")",
                     where, "widen the range, add a repository that has a matching version, or pin a version");
    return *v;
}

Result<Walk> walk(const GraphRequest &req, EffectivePomBuilder &poms, ModelSource &source,
                  const std::map<std::string, std::string> &forced) {
    Walk w;
    Graph &g = w.graph;
    std::map<std::string, size_t> selected;
    const ManagedIndex managed(req.managed);
    std::vector<Pending> level;
    for (const auto &d : req.dependencies) {
        Pending p{d, -1, 1, req.exclusions};
        for (const auto &e : d.exclusions) p.exclusions.push_back(e);
        level.push_back(std::move(p));
    }
    while (!level.empty()) {
        // Management (transitive only), then the metadata that ranges and LATEST need, in parallel.
        std::vector<std::pair<std::string, std::string>> need_meta;
        for (auto &p : level) {
            if (p.depth >= 2)
                if (const auto *m = managed.find(p.decl.management_key())) {
                    if (!m->version.empty()) p.decl.version = m->version;
                    if (!m->scope.empty()) p.decl.scope = m->scope;
                }
            const auto &v = p.decl.version;
            if (is_range_spec(v) || v == "LATEST" || v == "RELEASE") need_meta.emplace_back(p.decl.group, p.decl.artifact);
        }
        if (!need_meta.empty()) source.prefetch_metadata(need_meta);

        std::vector<std::pair<size_t, size_t>> created; // node index, position in level
        for (auto &p : level) {
            auto [ext, cls] = type_to_extension(p.decl.type, p.decl.classifier);
            Coordinate c{p.decl.group, p.decl.artifact, p.decl.version, ext, cls};
            if (!p.decl.type.empty() && p.decl.type != ext) c.type = p.decl.type;
            const auto key = c.conflict_key();
            w.key_ga[key] = {c.group, c.artifact};
            const std::string declared_scope = p.decl.scope.empty() ? "compile" : p.decl.scope;
            w.occurrences[key].push_back({p.parent, p.depth, declared_scope});
            if (is_range_spec(p.decl.version)) w.ranges[key].push_back({p.decl.version, p.parent});
            if (selected.count(key)) continue;
            if (auto f = forced.find(key); f != forced.end()) c.version = f->second;
            else {
                auto v = pick_version(p.decl.version, c.group, c.artifact, source, path_of(g, p.parent));
                if (!v) return v.error();
                c.version = *v;
            }
            if (!is_safe_part(c.version) || !is_safe_part(c.group) || !is_safe_part(c.artifact) ||
                (!c.classifier.empty() && !is_safe_part(c.classifier)) || !is_safe_part(c.extension))
                return Error(ErrorKind::Resolution, "a POM declares a dependency with an unusable coordinate: " + c.to_string(),
                             path_of(g, p.parent), "the coordinate contains '..', '/', '\\' or unresolved text; exclude it");
            GraphNode n;
            n.coordinate = c;
            n.requested = p.decl.version;
            n.depth = p.depth;
            n.parent = p.parent;
            n.optional = p.decl.optional == "true";
            n.scope = p.depth == 1 ? declared_scope
                                   : derive_scope(g.nodes[static_cast<size_t>(p.parent)].scope, declared_scope);
            const size_t idx = g.nodes.size();
            g.nodes.push_back(std::move(n));
            if (p.parent < 0) g.roots.push_back(idx);
            else g.nodes[static_cast<size_t>(p.parent)].children.push_back(idx);
            selected[key] = idx;
            created.emplace_back(idx, static_cast<size_t>(&p - level.data()));
        }
        std::vector<Gav> gavs;
        for (const auto &[idx, pos] : created) {
            const auto &c = g.nodes[idx].coordinate;
            gavs.push_back({c.group, c.artifact, c.version});
        }
        poms.prefetch(gavs);

        std::vector<Pending> next;
        for (const auto &[idx, pos] : created) {
            const Pending &p = level[pos];
            GraphNode &node = g.nodes[idx];
            Gav gav{node.coordinate.group, node.coordinate.artifact, node.coordinate.version};
            std::shared_ptr<const EffectivePom> eff;
            for (int hop = 0;; ++hop) {
                auto built = poms.build(gav);
                if (!built && node.depth >= 2 && source.pom_not_found(gav)) {
                    // As Maven: a transitive artifact without a POM has no dependencies of its own;
                    // its file is still required when files are downloaded.
                    if (req.log)
                        req.log("warning: the POM for " + gav.to_string() +
                                " is missing, no dependency information available (required by " +
                                path_of(g, node.parent) + ")");
                    eff.reset();
                    break;
                }
                if (!built) {
                    const Error &e = built.error();
                    std::string what = e.what;
                    if (node.parent >= 0) what += " (required by " + path_of(g, node.parent) + ")";
                    return Error(e.kind, what, e.input, e.hint);
                }
                eff = *built;
                if (!eff->relocation || hop >= 4) break;
                const auto &r = *eff->relocation;
                Gav to{r.group.empty() ? gav.group : r.group, r.artifact.empty() ? gav.artifact : r.artifact,
                       r.version.empty() ? gav.version : r.version};
                if (to == gav) break;
                if (req.log) req.log("note: " + gav.to_string() + " is relocated to " + to.to_string());
                gav = to;
                node.coordinate.group = to.group;
                node.coordinate.artifact = to.artifact;
                node.coordinate.version = to.version;
                // As Maven: the relocated node joins its target's conflict group, where a node
                // already in the graph (nearer, or as near) wins.
                const auto key = node.coordinate.conflict_key();
                w.key_ga[key] = {to.group, to.artifact};
                w.occurrences[key].push_back({p.parent, p.depth, p.decl.scope.empty() ? "compile" : p.decl.scope});
                if (const auto it = selected.find(key); it != selected.end() && it->second != idx) {
                    detach(g, idx);
                    eff.reset();
                    break;
                }
                selected[key] = idx;
            }
            if (!eff) continue;
            if (!eff->invalid.empty()) {
                if (req.log)
                    req.log("warning: the POM for " + gav.to_string() + " is invalid, transitive dependencies (if any) " +
                            "will not be available: " + eff->source + ": " + eff->invalid);
                continue;
            }
            for (const auto &warning : eff->warnings)
                if (req.log) req.log("warning: " + gav.to_string() + ": " + warning);
            node.packaging = eff->packaging;
            const bool native_type = p.decl.type == req.platform_packaging;
            const bool native_root = node.depth == 1 && eff->packaging == req.platform_packaging &&
                                     (p.decl.type.empty() || p.decl.type == "jar" || native_type);
            if (node.coordinate.classifier.empty() && !req.platform_classifier.empty() && (native_root || native_type)) {
                node.coordinate.extension = req.platform_packaging;
                node.coordinate.classifier = req.platform_classifier;
                selected[node.coordinate.conflict_key()] = idx;
            } else if (node.depth == 1 && (eff->packaging == "pom" || eff->packaging == "py" || eff->packaging == "zip") &&
                       (p.decl.type.empty() || p.decl.type == "jar") && node.coordinate.classifier.empty()) {
                // A POM-only root, or a Python job's .py/.zip (platform-independent, no classifier).
                node.coordinate.extension = eff->packaging;
            }
            for (const auto &d : eff->dependencies) {
                if (d.scope == "test" || d.scope == "provided") continue;
                if (d.optional == "true") continue;
                if (std::any_of(p.exclusions.begin(), p.exclusions.end(),
                                [&](const Exclusion &e) { return exclusion_matches(e, d.group, d.artifact); }))
                    continue;
                Pending child{d, static_cast<long>(idx), node.depth + 1, p.exclusions};
                for (const auto &e : d.exclusions) child.exclusions.push_back(e);
                next.push_back(std::move(child));
            }
        }
        level = std::move(next);
    }
    return w;
}

// Scope of a node: a direct occurrence decides; otherwise the widest derived scope.
void settle_scopes(Walk &w) {
    auto &nodes = w.graph.nodes;
    for (int iteration = 0; iteration < 16; ++iteration) {
        bool changed = false;
        for (auto &n : nodes) {
            if (n.scope == "system" || n.removed) continue;
            const auto &occ = w.occurrences[n.coordinate.conflict_key()];
            std::string best;
            for (const auto &o : occ) {
                if (o.depth == 1) {
                    best = o.declared_scope;
                    break;
                }
                const std::string s = derive_scope(nodes[static_cast<size_t>(o.parent)].scope, o.declared_scope);
                if (best.empty() || scope_rank(s) > scope_rank(best)) best = s;
            }
            if (!best.empty() && best != n.scope) {
                n.scope = best;
                changed = true;
            }
        }
        if (!changed) break;
    }
}

} // namespace

std::string derive_scope(std::string_view parent, std::string_view declared) {
    if (declared == "system" || declared == "test") return std::string(declared);
    if (parent.empty() || parent == "compile") return std::string(declared);
    if (parent == "test" || parent == "runtime") return std::string(parent);
    if (parent == "system" || parent == "provided") return "provided";
    return "runtime";
}

bool exclusion_matches(const Exclusion &e, std::string_view group, std::string_view artifact) {
    return (e.group == "*" || e.group == group) && (e.artifact == "*" || e.artifact == artifact);
}

Result<Graph> build_graph(const GraphRequest &req, EffectivePomBuilder &poms, ModelSource &source) {
    std::map<std::string, std::string> forced;
    for (int attempt = 0; attempt < 12; ++attempt) {
        auto w = walk(req, poms, source, forced);
        if (!w) return w.error();
        bool rerun = false;
        for (const auto &node : w->graph.nodes) {
            if (node.removed) continue;
            const auto key = node.coordinate.conflict_key();
            const auto it = w->ranges.find(key);
            if (it == w->ranges.end()) continue;
            const Version chosen(node.coordinate.version);
            std::vector<VersionConstraint> constraints;
            bool violated = false;
            std::string described;
            for (const auto &r : it->second) {
                auto c = VersionConstraint::parse(r.spec);
                if (!c) return c.error();
                if (!c->contains(chosen)) violated = true;
                described += "\n  " + r.spec + " required by " + path_of(w->graph, r.parent);
                constraints.push_back(std::move(*c));
            }
            if (!violated) continue;
            const auto &[group, artifact] = w->key_ga[key];
            auto meta = source.metadata(group, artifact);
            if (!meta) return meta.error();
            std::optional<Version> best;
            for (const auto &v : meta->versions) {
                Version cand(v);
                if (std::all_of(constraints.begin(), constraints.end(), [&](const auto &c) { return c.contains(cand); }) &&
                    (!best || cand.compare(*best) > 0))
                    best = cand;
            }
            if (!best || (forced.count(key) && forced[key] == best->text()))
                return Error(ErrorKind::Resolution,
                             "version conflict: no version of " + group + ":" + artifact +
                                 " satisfies every range (nearest choice " + node.coordinate.version + ")" + described,
                             group + ":" + artifact,
                             "exclude one of the requiring dependencies (--exclude-packages) or request a version "
                             "that satisfies all ranges");
            forced[key] = best->text();
            rerun = true;
        }
        if (!rerun) {
            settle_scopes(*w);
            return std::move(w->graph);
        }
    }
    return Error(ErrorKind::Resolution, "version ranges did not settle after 12 rounds", "",
                 "pin the versions of the dependencies that use ranges");
}

} // namespace streamsubmit::resolver
