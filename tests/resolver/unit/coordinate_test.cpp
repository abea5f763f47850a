#include "resolver/coordinate.h"

#include <doctest/doctest.h>

using namespace streamsubmit;
using namespace streamsubmit::resolver;

TEST_CASE("coordinate forms") {
    auto c = parse_coordinate("org.apache.kafka:kafka-clients:3.9.0");
    REQUIRE(c.ok());
    CHECK(c->group == "org.apache.kafka");
    CHECK(c->artifact == "kafka-clients");
    CHECK(c->version == "3.9.0");
    CHECK(c->extension == "jar");
    CHECK(c->path() == "org/apache/kafka/kafka-clients/3.9.0/kafka-clients-3.9.0.jar");
    CHECK(c->pom_path() == "org/apache/kafka/kafka-clients/3.9.0/kafka-clients-3.9.0.pom");

    auto slash = parse_coordinate("org.apache.kafka/kafka-clients:3.9.0");
    REQUIRE(slash.ok());
    CHECK(*slash == *c);

    auto ext = parse_coordinate("com.example:plugin:so:1.2");
    REQUIRE(ext.ok());
    CHECK(ext->extension == "so");
    CHECK(ext->path() == "com/example/plugin/1.2/plugin-1.2.so");
    CHECK(ext->to_string() == "com.example:plugin:so:1.2");

    auto cls = parse_coordinate(" com.example:plugin:so:linux-x86_64:1.2 ");
    REQUIRE(cls.ok());
    CHECK(cls->classifier == "linux-x86_64");
    CHECK(cls->path() == "com/example/plugin/1.2/plugin-1.2-linux-x86_64.so");
    CHECK(cls->to_string() == "com.example:plugin:so:linux-x86_64:1.2");

    auto range = parse_coordinate("g:a:[1.0,2.0)");
    REQUIRE(range.ok());
    CHECK(range->version == "[1.0,2.0)");
}

TEST_CASE("snapshot layout") {
    auto c = parse_coordinate("g.x:a:1.0-20240101.120000-3");
    REQUIRE(c.ok());
    CHECK(c->is_snapshot());
    CHECK(c->base_version() == "1.0-SNAPSHOT");
    CHECK(c->path() == "g/x/a/1.0-SNAPSHOT/a-1.0-20240101.120000-3.jar");
    auto s = parse_coordinate("g:a:1.0-SNAPSHOT");
    CHECK(s->is_snapshot());
    CHECK_FALSE(parse_coordinate("g:a:1.0")->is_snapshot());
}

TEST_CASE("malformed coordinates are usage errors") {
    for (const char *bad : {"", "g:a", "g:a:b:c:d:e", "g::1.0", ":a:1.0", "g:a:", "g:..:1.0", "g:a:../../etc",
                            "g:a/b:1.0", "g:a\\b:1.0", "..:a:1.0", "g:a:1.0\n", "g:a b:1.0", "g/a/b:1.0"}) {
        auto r = parse_coordinate(bad);
        CHECK_MESSAGE(!r.ok(), bad);
        if (!r.ok()) {
            CHECK(r.error().kind == ErrorKind::Usage);
            CHECK_FALSE(r.error().hint.empty());
        }
    }
}

TEST_CASE("exclusions") {
    auto e = parse_exclusion("org.slf4j:*");
    REQUIRE(e.ok());
    CHECK(e->first == "org.slf4j");
    CHECK(e->second == "*");
    CHECK_FALSE(parse_exclusion("org.slf4j").ok());
    CHECK_FALSE(parse_exclusion("a:b:c").ok());
}

TEST_CASE("type mapping") {
    CHECK(type_to_extension("test-jar", "") == std::pair<std::string, std::string>{"jar", "tests"});
    CHECK(type_to_extension("", "") == std::pair<std::string, std::string>{"jar", ""});
    CHECK(type_to_extension("pom", "") == std::pair<std::string, std::string>{"pom", ""});
    CHECK(type_to_extension("so", "linux-x86_64") == std::pair<std::string, std::string>{"so", "linux-x86_64"});
}
