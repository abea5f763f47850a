// Cases from Maven's own ComparableVersionTest (maven-artifact 3.8).
#include "resolver/version.h"
#include "resolver/version_range.h"

#include <doctest/doctest.h>

#include <vector>

using namespace streamsubmit::resolver;

namespace {

void check_ordered(const std::vector<const char *> &versions) {
    for (size_t i = 1; i < versions.size(); ++i)
        for (size_t j = i; j < versions.size(); ++j) {
            INFO(versions[i - 1], " < ", versions[j]);
            CHECK(compare_versions(versions[i - 1], versions[j]) < 0);
            CHECK(compare_versions(versions[j], versions[i - 1]) > 0);
        }
}

void check_equal(const char *a, const char *b) {
    INFO(a, " == ", b);
    CHECK(compare_versions(a, b) == 0);
    CHECK(compare_versions(b, a) == 0);
}

} // namespace

TEST_CASE("Maven qualifier ordering") {
    check_ordered({"1-alpha2snapshot", "1-alpha2", "1-alpha-123", "1-beta-2", "1-beta123", "1-m2", "1-m11", "1-rc",
                   "1-cr2", "1-rc123", "1-SNAPSHOT", "1", "1-sp", "1-sp2", "1-sp123", "1-abc", "1-def", "1-pom-1",
                   "1-1-snapshot", "1-1", "1-2", "1-123"});
}

TEST_CASE("Maven number ordering") {
    check_ordered({"2.0", "2-1", "2.0.a", "2.0.0.a", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1",
                   "2.1.0.1", "2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11", "11.a",
                   "11b", "11c", "11m"});
}

TEST_CASE("Maven version equality") {
    check_equal("1", "1");
    check_equal("1", "1.0");
    check_equal("1", "1.0.0");
    check_equal("1.0", "1.0.0");
    check_equal("1", "1-0");
    check_equal("1", "1.0-0");
    check_equal("1.0", "1.0-0");
    check_equal("1a", "1-a");
    check_equal("1a", "1.0-a");
    check_equal("1a", "1.0.0-a");
    check_equal("1.0a", "1-a");
    check_equal("1.0.0a", "1-a");
    check_equal("1x", "1-x");
    check_equal("1x", "1.0-x");
    check_equal("1x", "1.0.0-x");
    check_equal("1.0x", "1-x");
    check_equal("1.0.0x", "1-x");
    check_equal("1ga", "1");
    check_equal("1release", "1");
    check_equal("1final", "1");
    check_equal("1cr", "1rc");
    check_equal("1a1", "1-alpha-1");
    check_equal("1b2", "1-beta-2");
    check_equal("1m3", "1-milestone-3");
    check_equal("1X", "1x");
    check_equal("1A", "1a");
    check_equal("1B", "1b");
    check_equal("1M", "1m");
    check_equal("1Ga", "1");
    check_equal("1GA", "1");
    check_equal("1RELEASE", "1");
    check_equal("1FinaL", "1");
    check_equal("1Cr", "1Rc");
    check_equal("1cR", "1rC");
    check_equal("1m3", "1Milestone3");
    check_equal("1m3", "1MileStone3");
    check_equal("1m3", "1MILESTONE3");
}

TEST_CASE("Maven known edge cases") {
    CHECK(compare_versions("1.0-alpha-1", "1.0") < 0);
    CHECK(compare_versions("1.0-SNAPSHOT", "1.0") < 0);
    CHECK(compare_versions("1.0", "1.0-sp") < 0);
    CHECK(compare_versions("2.0-rc1", "2.0") < 0);
    CHECK(compare_versions("1.0.0.RC1", "1.0.0") < 0);
    CHECK(compare_versions("1.10", "1.9") > 0);
    CHECK(compare_versions("1.0.10000000000", "1.0.9999999999") > 0); // bigger than a long
    CHECK(compare_versions("1-0.1", "1.0.1") < 0);                    // MNG-5568 style list vs int
    CHECK(compare_versions("0.0-1", "0.0.1") < 0);
    check_equal("1-1.foo-bar-1-baz-0.1", "1-1.foo-bar-1-baz-0.1");
}

TEST_CASE("ranges") {
    auto r = VersionConstraint::parse("[1.0,2.0)");
    REQUIRE(r.ok());
    CHECK(r->is_range());
    CHECK(r->contains(Version("1.0")));
    CHECK(r->contains(Version("1.5")));
    CHECK(r->contains(Version("2.0-rc1"))); // as the anchors note
    CHECK_FALSE(r->contains(Version("2.0")));
    CHECK_FALSE(r->contains(Version("0.9")));

    auto upto = VersionConstraint::parse("(,1.0]");
    REQUIRE(upto.ok());
    CHECK(upto->contains(Version("0.1")));
    CHECK(upto->contains(Version("1.0")));
    CHECK_FALSE(upto->contains(Version("1.0.1")));

    auto from = VersionConstraint::parse("[1.5,)");
    REQUIRE(from.ok());
    CHECK(from->contains(Version("99")));
    CHECK_FALSE(from->contains(Version("1.4")));

    auto exact = VersionConstraint::parse("[1.0]");
    REQUIRE(exact.ok());
    CHECK(exact->contains(Version("1.0.0")));
    CHECK_FALSE(exact->contains(Version("1.0.1")));

    auto uni = VersionConstraint::parse("(,1.0],[1.2,)");
    REQUIRE(uni.ok());
    CHECK(uni->contains(Version("1.0")));
    CHECK_FALSE(uni->contains(Version("1.1")));
    CHECK(uni->contains(Version("1.2")));

    auto spaced = VersionConstraint::parse("[1.3.3, 2.4.8]");
    REQUIRE(spaced.ok());
    CHECK(spaced->select({"1.3.2", "2.4.7", "2.4.8", "2.4.9", "2.5.0"}) == std::optional<std::string>("2.4.8"));

    CHECK(r->select({"0.9", "1.0", "1.9", "2.0", "1.10"}) == std::optional<std::string>("1.10"));
    CHECK_FALSE(r->select({"3.0"}).has_value());

    auto soft = VersionConstraint::parse("1.0");
    REQUIRE(soft.ok());
    CHECK_FALSE(soft->is_range());
    CHECK(soft->select({}) == std::optional<std::string>("1.0"));

    for (const char *bad : {"[1.0", "[2.0,1.0]", "[1.0,2.0,3.0]", "(1.0)", "[1.0]x", ""}) {
        INFO(bad);
        CHECK_FALSE(VersionConstraint::parse(bad).ok());
    }
}
