// Unit-level checks of the Maven parity rules whose live comparison with mvn is
// tests/resolver/test_maven_cases.py.
#include "resolver/repository.h"
#include "resolver/running_system.h"

#include <doctest/doctest.h>

using namespace streamsubmit::resolver;

namespace {

std::string identity(const std::string &spec) {
    auto r = parse_repository(spec, false);
    REQUIRE(r.ok());
    return repository_identity(*r);
}

} // namespace

TEST_CASE("repositories named twice are one: normalised URL, or central under any host name") {
    CHECK(identity("HTTP://Repo.Example:80/maven/") == identity("http://repo.example/maven"));
    CHECK(identity("https://repo.example:443/m2//") == identity("https://repo.example/m2"));
    CHECK(identity("https://repo.example:8443/m2") != identity("https://repo.example/m2"));
    CHECK(identity("https://repo1.maven.org/maven2/") == "central");
    CHECK(identity("https://repo.maven.apache.org/maven2") == "central");
    CHECK(identity("http://user:pw@REPO1.MAVEN.ORG/maven2") == "central");
    CHECK(identity("https://repo.maven.apache.org/other") != "central");
    CHECK(identity("file:///tmp/repo/") == identity("file:///tmp/repo"));
}

TEST_CASE("OS families as plexus-utils' Os sees them") {
    const OsFacts linux_os{"Linux", "amd64", "6.1.0"};
    CHECK(os_family_matches(linux_os, "unix"));
    CHECK(os_family_matches(linux_os, "linux")); // an unknown family: os.name contains it
    CHECK_FALSE(os_family_matches(linux_os, "windows"));
    CHECK_FALSE(os_family_matches(linux_os, "mac"));
    CHECK_FALSE(os_family_matches(linux_os, "dos"));
    const OsFacts mac{"Mac OS X", "aarch64", "14.0"};
    CHECK(os_family_matches(mac, "mac"));
    CHECK(os_family_matches(mac, "unix"));
    const OsFacts windows{"Windows 11", "amd64", "10.0"};
    CHECK(os_family_matches(windows, "windows"));
    CHECK(os_family_matches(windows, "winnt"));
    CHECK_FALSE(os_family_matches(windows, "unix"));
}

TEST_CASE("os.arch uses the JVM's names") {
    const auto &os = running_os();
    CHECK(!os.name.empty());
    CHECK(os.arch != "x86_64"); // the JVM says amd64
    CHECK(!os.version.empty());
}
