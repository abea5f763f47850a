// Maven's dependency mediation over effective POMs: breadth-first, nearest definition
// wins, first declaration wins at equal depth; scopes derived along paths (and widened
// to the widest occurrence); test/provided/optional not transitive; exclusions with '*';
// root dependencyManagement overrides transitive versions and scopes; ranges are hard
// constraints resolved against metadata versions; LATEST/RELEASE from metadata.
#pragma once

#include "common/error.h"
#include "resolver/coordinate.h"
#include "resolver/effective_pom.h"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace streamsubmit::resolver {

struct GraphNode {
    Coordinate coordinate;      // version resolved
    std::string scope;          // compile, runtime, provided, test, system
    bool optional = false;
    int depth = 1;              // 1 = requested directly
    long parent = -1;           // index, -1 for roots
    std::vector<size_t> children;
    std::string packaging;
    std::string requested;      // the version spec as declared, for messages
    bool removed = false;       // lost to another node after relocation: in no children list
};

struct Graph {
    std::vector<GraphNode> nodes; // breadth-first order: parents before children
    std::vector<size_t> roots;
};

struct GraphRequest {
    std::vector<PomDependency> dependencies; // the direct dependencies, in order
    std::vector<PomDependency> managed;      // the root's dependencyManagement
    std::vector<Exclusion> exclusions;       // applied everywhere (--exclude-packages)
    // When a root names no classifier and its POM's packaging is this, the classifier
    // below is chosen and the extension becomes the packaging (native plugins).
    std::string platform_packaging = "so";
    std::string platform_classifier;
    std::function<void(std::string_view)> log;
};

Result<Graph> build_graph(const GraphRequest &request, EffectivePomBuilder &poms, ModelSource &source);

// Maven's scope derivation: scope of a dependency declared `declared` by a node of scope `parent`.
std::string derive_scope(std::string_view parent, std::string_view declared);

bool exclusion_matches(const Exclusion &e, std::string_view group, std::string_view artifact);

} // namespace streamsubmit::resolver
