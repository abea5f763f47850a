#include "map_source.h"
#include "resolver/dependency_graph.h"

#include <doctest/doctest.h>

#include <map>

using namespace streamsubmit;
using namespace streamsubmit::resolver;
using namespace streamsubmit::resolver::testing;

namespace {

PomDependency root_dep(const std::string &g, const std::string &a, const std::string &v, const std::string &scope = "") {
    PomDependency d;
    d.group = g, d.artifact = a, d.version = v, d.scope = scope;
    return d;
}

// "a:version:scope" for every node, keyed by artifactId.
std::map<std::string, std::string> summary(const Graph &g) {
    std::map<std::string, std::string> out;
    for (const auto &n : g.nodes) out[n.coordinate.artifact] = n.coordinate.version + ":" + n.scope;
    return out;
}

Result<Graph> resolve(MapSource &src, std::vector<PomDependency> roots, std::vector<PomDependency> managed = {},
                      std::vector<Exclusion> excl = {}) {
    EffectivePomBuilder b(src);
    GraphRequest req;
    req.dependencies = std::move(roots);
    req.managed = std::move(managed);
    req.exclusions = std::move(excl);
    return build_graph(req, b, src);
}

} // namespace

TEST_CASE("nearest wins, then first declaration") {
    MapSource src;
    // root -> a -> c:1 ; root -> b -> d -> c:2 ; root -> e -> c:3 (same depth as a's c: first wins)
    src.add("g:a:1", pom("g", "a", "1", dep("g", "c", "1")));
    src.add("g:b:1", pom("g", "b", "1", dep("g", "d", "1")));
    src.add("g:d:1", pom("g", "d", "1", dep("g", "c", "2")));
    src.add("g:e:1", pom("g", "e", "1", dep("g", "c", "3")));
    src.add("g:c:1", pom("g", "c", "1"));
    auto g = resolve(src, {root_dep("g", "a", "1"), root_dep("g", "b", "1"), root_dep("g", "e", "1")});
    REQUIRE(g.ok());
    auto s = summary(*g);
    CHECK(s["c"] == "1:compile");
    CHECK(g->nodes.size() == 5);
    CHECK(g->roots.size() == 3);
    // c hangs under a
    for (const auto &n : g->nodes)
        if (n.coordinate.artifact == "c") CHECK(g->nodes[static_cast<size_t>(n.parent)].coordinate.artifact == "a");

    // a direct declaration beats anything transitive
    src.add("g:c:9", pom("g", "c", "9"));
    auto g2 = resolve(src, {root_dep("g", "b", "1"), root_dep("g", "c", "9")});
    REQUIRE(g2.ok());
    CHECK(summary(*g2)["c"] == "9:compile");
}

TEST_CASE("scope table and dropped scopes") {
    CHECK(derive_scope("compile", "compile") == "compile");
    CHECK(derive_scope("compile", "runtime") == "runtime");
    CHECK(derive_scope("provided", "compile") == "provided");
    CHECK(derive_scope("provided", "runtime") == "provided");
    CHECK(derive_scope("runtime", "compile") == "runtime");
    CHECK(derive_scope("test", "compile") == "test");
    CHECK(derive_scope("test", "runtime") == "test");

    MapSource src;
    src.add("g:a:1", pom("g", "a", "1",
                         dep("g", "rt", "1", "<scope>runtime</scope>") + dep("g", "prov", "1", "<scope>provided</scope>") +
                             dep("g", "tst", "1", "<scope>test</scope>") + dep("g", "opt", "1", "<optional>true</optional>") +
                             dep("g", "cmp", "1")));
    for (const char *n : {"rt", "prov", "tst", "opt", "cmp"}) src.add(std::string("g:") + n + ":1", pom("g", n, "1"));
    src.add("g:p:1", pom("g", "p", "1", dep("g", "cmp", "1")));
    auto g = resolve(src, {root_dep("g", "a", "1")});
    REQUIRE(g.ok());
    auto s = summary(*g);
    CHECK(s.size() == 3);
    CHECK(s["rt"] == "1:runtime");
    CHECK(s["cmp"] == "1:compile");
    CHECK(s.count("prov") == 0);
    CHECK(s.count("tst") == 0);
    CHECK(s.count("opt") == 0);

    auto gp = resolve(src, {root_dep("g", "p", "1", "provided")});
    REQUIRE(gp.ok());
    CHECK(summary(*gp)["cmp"] == "1:provided");
    auto gt = resolve(src, {root_dep("g", "a", "1", "test")});
    REQUIRE(gt.ok());
    CHECK(summary(*gt)["rt"] == "1:test");
    auto gr = resolve(src, {root_dep("g", "a", "1", "runtime")});
    REQUIRE(gr.ok());
    CHECK(summary(*gr)["cmp"] == "1:runtime");
}

TEST_CASE("scope widens to the widest occurrence") {
    MapSource src;
    // x first reached as runtime (via a), later as compile (via b -> c): compile wins, version stays nearest.
    src.add("g:a:1", pom("g", "a", "1", dep("g", "x", "1", "<scope>runtime</scope>")));
    src.add("g:b:1", pom("g", "b", "1", dep("g", "c", "1")));
    src.add("g:c:1", pom("g", "c", "1", dep("g", "x", "2")));
    src.add("g:x:1", pom("g", "x", "1"));
    auto g = resolve(src, {root_dep("g", "a", "1"), root_dep("g", "b", "1")});
    REQUIRE(g.ok());
    CHECK(summary(*g)["x"] == "1:compile");
}

TEST_CASE("exclusions, global and declared, with wildcards") {
    MapSource src;
    src.add("g:a:1", pom("g", "a", "1",
                         dep("g", "b", "1", "<exclusions><exclusion><groupId>h</groupId><artifactId>*</artifactId></exclusion></exclusions>") +
                             dep("log", "slf4j", "1")));
    src.add("g:b:1", pom("g", "b", "1", dep("h", "one", "1") + dep("h", "two", "1") + dep("g", "c", "1")));
    src.add("g:c:1", pom("g", "c", "1", dep("h", "three", "1")));
    src.add("g:d:1", pom("g", "d", "1", dep("h", "one", "1")));
    src.add("log:slf4j:1", pom("log", "slf4j", "1"));
    src.add("h:one:1", pom("h", "one", "1"));
    auto g = resolve(src, {root_dep("g", "a", "1"), root_dep("g", "d", "1")}, {}, {{"log", "*"}});
    REQUIRE(g.ok());
    auto s = summary(*g);
    CHECK(s.count("two") == 0);
    CHECK(s.count("three") == 0); // exclusions apply to the whole subtree
    CHECK(s.count("slf4j") == 0); // global exclusion
    CHECK(s.count("one") == 1);   // still reachable through d
    CHECK(s.count("c") == 1);
}

TEST_CASE("root dependencyManagement overrides transitive versions and scopes") {
    MapSource src;
    src.add("g:a:1", pom("g", "a", "1", dep("g", "b", "1")));
    src.add("g:b:1", pom("g", "b", "1"));
    src.add("g:b:3", pom("g", "b", "3"));
    PomDependency m = root_dep("g", "b", "3", "runtime");
    auto g = resolve(src, {root_dep("g", "a", "1")}, {m});
    REQUIRE(g.ok());
    CHECK(summary(*g)["b"] == "3:runtime");
    // but not a direct dependency's own version
    src.add("g:b:2", pom("g", "b", "2"));
    auto d = resolve(src, {root_dep("g", "b", "2")}, {m});
    REQUIRE(d.ok());
    CHECK(summary(*d)["b"] == "2:compile");
}

TEST_CASE("ranges are hard constraints against metadata") {
    MapSource src;
    src.versions["g:x"] = {"1.0", "1.5", "2.0-rc1", "2.0", "2.1"};
    for (const char *v : {"1.0", "1.5", "2.0-rc1", "2.0", "2.1"}) src.add(std::string("g:x:") + v, pom("g", "x", v));
    src.add("g:a:1", pom("g", "a", "1", dep("g", "x", "1.0")));
    src.add("g:b:1", pom("g", "b", "1", dep("g", "c", "1")));
    src.add("g:c:1", pom("g", "c", "1", dep("g", "x", "[1.5,2.0)")));
    src.add("g:r:1", pom("g", "r", "1", dep("g", "x", "[1.0,2.0)")));
    // a range alone: highest inside
    auto g = resolve(src, {root_dep("g", "r", "1")});
    REQUIRE(g.ok());
    CHECK(summary(*g)["x"] == "2.0-rc1:compile");
    // nearest soft 1.0 violates a deeper range: the range wins
    auto g2 = resolve(src, {root_dep("g", "a", "1"), root_dep("g", "b", "1")});
    REQUIRE(g2.ok());
    CHECK(summary(*g2)["x"] == "2.0-rc1:compile");
    // direct range
    auto g3 = resolve(src, {root_dep("g", "x", "(,1.5]")});
    REQUIRE(g3.ok());
    CHECK(summary(*g3)["x"] == "1.5:compile");
    // unsatisfiable
    src.add("g:e:1", pom("g", "e", "1", dep("g", "x", "[2.1]")));
    auto bad = resolve(src, {root_dep("g", "r", "1"), root_dep("g", "e", "1")});
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().what.find("satisfies every range") != std::string::npos);
    // nothing in range
    auto none = resolve(src, {root_dep("g", "x", "[3.0,)")});
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().what.find("available: 1.0, 1.5, 2.0-rc1, 2.0, 2.1") != std::string::npos);
    // LATEST / RELEASE
    auto latest = resolve(src, {root_dep("g", "x", "RELEASE")});
    REQUIRE(latest.ok());
    CHECK(summary(*latest)["x"] == "2.1:compile");
}

TEST_CASE("cycles terminate and relocation is followed") {
    MapSource src;
    src.add("g:a:1", pom("g", "a", "1", dep("g", "b", "1")));
    src.add("g:b:1", pom("g", "b", "1", dep("g", "a", "1")));
    auto g = resolve(src, {root_dep("g", "a", "1")});
    REQUIRE(g.ok());
    CHECK(g->nodes.size() == 2);

    src.add("old:lib:1", pom("old", "lib", "1", "", "<distributionManagement><relocation><groupId>new</groupId></relocation></distributionManagement>"));
    src.add("new:lib:1", pom("new", "lib", "1"));
    auto r = resolve(src, {root_dep("old", "lib", "1")});
    REQUIRE(r.ok());
    CHECK(r->nodes[0].coordinate.group == "new");
}

TEST_CASE("missing POM names the path") {
    MapSource src;
    src.add("g:a:1", pom("g", "a", "1", dep("g", "gone", "1")));
    auto g = resolve(src, {root_dep("g", "a", "1")});
    REQUIRE_FALSE(g.ok());
    CHECK(g.error().what.find("required by g:a:1") != std::string::npos);
    // every repository said "not found": like Maven, a leaf without dependency information
    src.missing_is_not_found = true;
    auto leaf = resolve(src, {root_dep("g", "a", "1")});
    REQUIRE(leaf.ok());
    CHECK(summary(*leaf)["gone"] == "1:compile");
    // but never for what was asked for directly
    auto direct = resolve(src, {root_dep("g", "gone", "1")});
    CHECK_FALSE(direct.ok());
}

TEST_CASE("native plugins get the platform classifier") {
    MapSource src;
    src.add("n:plug:1", pom("n", "plug", "1", dep("n", "helper", "2", "<type>so</type>") + dep("n", "jarlib", "1"), "<packaging>so</packaging>"));
    src.add("n:helper:2", pom("n", "helper", "2", "", "<packaging>so</packaging>"));
    src.add("n:jarlib:1", pom("n", "jarlib", "1"));
    EffectivePomBuilder b(src);
    GraphRequest req;
    PomDependency d;
    d.group = "n", d.artifact = "plug", d.version = "1";
    req.dependencies = {d};
    req.platform_classifier = "linux-x86_64";
    auto g = build_graph(req, b, src);
    REQUIRE(g.ok());
    std::map<std::string, std::string> shown;
    for (const auto &n : g->nodes) shown[n.coordinate.artifact] = n.coordinate.to_string();
    CHECK(shown["plug"] == "n:plug:so:linux-x86_64:1");
    CHECK(shown["helper"] == "n:helper:so:linux-x86_64:2");
    CHECK(shown["jarlib"] == "n:jarlib:1");
}
