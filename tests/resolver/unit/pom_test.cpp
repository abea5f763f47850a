#include "map_source.h"
#include "resolver/effective_pom.h"
#include "resolver/metadata.h"
#include "resolver/pom.h"
#include "resolver/pom_interpolation.h"

#include <doctest/doctest.h>

using namespace streamsubmit;
using namespace streamsubmit::resolver;
using namespace streamsubmit::resolver::testing;

TEST_CASE("parse a POM") {
    const char *xml = R"(<?xml version="1.0"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <parent><groupId>p.g</groupId><artifactId>parent</artifactId><version>7</version></parent>
  <artifactId>child</artifactId>
  <packaging>so</packaging>
  <properties><x.version>1.2</x.version></properties>
  <dependencyManagement><dependencies>
    <dependency><groupId>m</groupId><artifactId>m</artifactId><version>3</version><scope>runtime</scope></dependency>
  </dependencies></dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>d</groupId><artifactId>d</artifactId><version>${x.version}</version>
      <type>test-jar</type><classifier>tests</classifier><scope>test</scope><optional>true</optional>
      <exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>
    </dependency>
  </dependencies>
</project>)";
    auto p = parse_pom(xml, "mem");
    REQUIRE(p.ok());
    REQUIRE(p->parent.has_value());
    CHECK(p->parent->version == "7");
    CHECK(p->group.empty());
    CHECK(p->packaging == "so");
    REQUIRE(p->properties.size() == 1);
    REQUIRE(p->managed.size() == 1);
    CHECK(p->managed[0].scope == "runtime");
    REQUIRE(p->dependencies.size() == 1);
    const auto &d = p->dependencies[0];
    CHECK(d.version == "${x.version}");
    CHECK(d.type == "test-jar");
    CHECK(d.optional == "true");
    CHECK(d.line == 11);
    REQUIRE(d.exclusions.size() == 1);
    CHECK(d.exclusions[0].group == "*");
}

TEST_CASE("malformed POM names the line") {
    auto p = parse_pom("<project>\n<groupId>g</groupId>\n<artifactId>a</artifact>\n</project>", "http://x/a.pom");
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().kind == ErrorKind::Resolution);
    CHECK(p.error().what.find("line 3") != std::string::npos);
    CHECK(p.error().input == "http://x/a.pom");
    auto html = parse_pom("<html><body>Not found</body></html>", "u");
    REQUIRE_FALSE(html.ok());
    CHECK(html.error().what.find("not a POM") != std::string::npos);
}

TEST_CASE("interpolation") {
    InterpolationScope s;
    s.project = {{"version", "2.0"}, {"groupId", "g"}, {"parent.version", "1"}};
    s.properties = {{"a", "${b}-x"}, {"b", "${project.version}"}, {"loop1", "${loop2}"}, {"loop2", "${loop1}"}};
    s.env = [](std::string_view n) -> std::optional<std::string> {
        if (n == "HOME_X") return "/h";
        return std::nullopt;
    };
    Interpolator in(s);
    CHECK(*in.interpolate("${a}") == "2.0-x");
    CHECK(*in.interpolate("${project.parent.version}.${pom.version}.${version}") == "1.2.0.2.0");
    CHECK(*in.interpolate("${env.HOME_X}") == "/h");
    CHECK(*in.interpolate("${unknown}") == "${unknown}");
    auto cyc = in.interpolate("${loop1}");
    REQUIRE_FALSE(cyc.ok());
    CHECK(cyc.error().what.find("cycle") != std::string::npos);
}

TEST_CASE("inheritance, interpolation and BOM import") {
    MapSource src;
    src.add("g:parent:1", R"(<project><groupId>g</groupId><artifactId>parent</artifactId><version>1</version>
      <packaging>pom</packaging>
      <properties><lib.version>1.0</lib.version><shared>from-parent</shared></properties>
      <dependencyManagement><dependencies>
        <dependency><groupId>x</groupId><artifactId>managed</artifactId><version>${lib.version}</version></dependency>
        <dependency><groupId>g</groupId><artifactId>bom1</artifactId><version>1</version><type>pom</type><scope>import</scope></dependency>
        <dependency><groupId>g</groupId><artifactId>bom2</artifactId><version>1</version><type>pom</type><scope>import</scope></dependency>
      </dependencies></dependencyManagement>
      <dependencies><dependency><groupId>x</groupId><artifactId>inherited</artifactId><version>${project.version}</version></dependency></dependencies>
    </project>)");
    src.add("g:bom1:1", pom("g", "bom1", "1", "", R"(<dependencyManagement><dependencies>
        <dependency><groupId>y</groupId><artifactId>fromboms</artifactId><version>1.1</version><scope>runtime</scope></dependency>
      </dependencies></dependencyManagement>)"));
    src.add("g:bom2:1", pom("g", "bom2", "1", "", R"(<dependencyManagement><dependencies>
        <dependency><groupId>y</groupId><artifactId>fromboms</artifactId><version>2.2</version></dependency>
        <dependency><groupId>y</groupId><artifactId>only2</artifactId><version>2.0</version></dependency>
      </dependencies></dependencyManagement>)"));
    src.add("g:child:5", R"(<project><parent><groupId>g</groupId><artifactId>parent</artifactId><version>1</version></parent>
      <artifactId>child</artifactId><version>5</version>
      <properties><lib.version>1.5</lib.version></properties>
      <dependencies>
        <dependency><groupId>x</groupId><artifactId>managed</artifactId></dependency>
        <dependency><groupId>y</groupId><artifactId>fromboms</artifactId></dependency>
        <dependency><groupId>y</groupId><artifactId>only2</artifactId></dependency>
        <dependency><groupId>z</groupId><artifactId>parentver</artifactId><version>${project.parent.version}-${shared}</version></dependency>
      </dependencies></project>)");
    EffectivePomBuilder b(src);
    auto e = b.build({"g", "child", "5"});
    REQUIRE(e.ok());
    const auto &deps = (*e)->dependencies;
    CHECK((*e)->group == "g");
    CHECK((*e)->packaging == "jar");
    REQUIRE(deps.size() == 5);
    CHECK(deps[0].artifact == "managed");
    CHECK(deps[0].version == "1.5"); // the child's property wins over the parent's
    CHECK(deps[1].version == "1.1"); // first import wins
    CHECK(deps[1].scope == "runtime");
    CHECK(deps[2].version == "2.0");
    CHECK(deps[3].version == "1-from-parent");
    CHECK(deps[4].artifact == "inherited"); // parent's dependencies come after the child's
    CHECK(deps[4].version == "5");          // interpolated against the child
}

TEST_CASE("profiles: jdk and activeByDefault") {
    MapSource src;
    src.add("g:a:1", pom("g", "a", "1", "", R"(<profiles>
      <profile><id>j8</id><activation><jdk>1.8</jdk></activation><dependencies>)" + dep("old", "x", "1") + R"(</dependencies></profile>
      <profile><id>j11</id><activation><jdk>[11,)</jdk></activation><dependencies>)" + dep("new", "x", "1") + R"(</dependencies></profile>
      <profile><id>def</id><activation><activeByDefault>true</activeByDefault></activation><dependencies>)" + dep("def", "x", "1") + R"(</dependencies></profile>
    </profiles>)"));
    EffectivePomBuilder b(src);
    auto e = b.build({"g", "a", "1"});
    REQUIRE(e.ok());
    REQUIRE((*e)->dependencies.size() == 1);
    CHECK((*e)->dependencies[0].group == "new");
}

TEST_CASE("parent cycle is an error") {
    MapSource src;
    src.add("g:a:1", R"(<project><parent><groupId>g</groupId><artifactId>b</artifactId><version>1</version></parent><artifactId>a</artifactId></project>)");
    src.add("g:b:1", R"(<project><parent><groupId>g</groupId><artifactId>a</artifactId><version>1</version></parent><artifactId>b</artifactId></project>)");
    EffectivePomBuilder b(src);
    auto e = b.build({"g", "a", "1"});
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().what.find("cycle") != std::string::npos);
}

TEST_CASE("maven-metadata.xml") {
    auto m = parse_metadata(R"(<metadata><groupId>g</groupId><artifactId>a</artifactId><versioning>
      <latest>2.0</latest><release>2.0</release><versions><version>1.0</version><version>2.0</version></versions>
      <lastUpdated>20240101120000</lastUpdated></versioning></metadata>)",
                            "m");
    REQUIRE(m.ok());
    CHECK(m->versions.size() == 2);
    CHECK(m->release == "2.0");
    auto other = parse_metadata(R"(<metadata><versioning><latest>1.10</latest><versions><version>1.10</version><version>1.0</version></versions></versioning></metadata>)", "o");
    REQUIRE(other.ok());
    auto merged = merge_metadata(*m, *other);
    CHECK(merged.versions == std::vector<std::string>{"1.0", "1.10", "2.0"});
    CHECK(merged.latest == "2.0");

    auto snap = parse_metadata(R"(<metadata><groupId>g</groupId><artifactId>a</artifactId><version>1.0-SNAPSHOT</version>
      <versioning><snapshot><timestamp>20240101.120000</timestamp><buildNumber>3</buildNumber></snapshot>
      <snapshotVersions>
        <snapshotVersion><extension>jar</extension><value>1.0-20240101.120000-3</value><updated>20240101120000</updated></snapshotVersion>
        <snapshotVersion><classifier>linux-x86_64</classifier><extension>so</extension><value>1.0-20240101.110000-2</value></snapshotVersion>
      </snapshotVersions></versioning></metadata>)", "s");
    REQUIRE(snap.ok());
    CHECK(snap->snapshot_value("1.0-SNAPSHOT", "jar", "") == "1.0-20240101.120000-3");
    CHECK(snap->snapshot_value("1.0-SNAPSHOT", "so", "linux-x86_64") == "1.0-20240101.110000-2");
    CHECK(snap->snapshot_value("1.0-SNAPSHOT", "pom", "") == "1.0-20240101.120000-3");
    auto rendered = parse_metadata(render_metadata(*snap), "r");
    REQUIRE(rendered.ok());
    CHECK(rendered->snapshot_versions.size() == 2);
    CHECK_FALSE(parse_metadata("<metadata><versioning>", "bad").ok());
}
