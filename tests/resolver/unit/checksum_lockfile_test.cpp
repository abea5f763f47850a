#include "resolver/artifact_cache.h"
#include "resolver/checksum.h"
#include "resolver/http_client.h"
#include "resolver/lockfile.h"
#include "resolver/platform.h"
#include "resolver/repository.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace streamsubmit;
using namespace streamsubmit::resolver;

TEST_CASE("checksum sidecar forms") {
    const std::string sha1 = "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12";
    CHECK(parse_checksum_file(sha1, HashAlgorithm::Sha1) == sha1);
    CHECK(parse_checksum_file(sha1 + "\n", HashAlgorithm::Sha1) == sha1);
    CHECK(parse_checksum_file("\n\n  " + sha1 + "  foo.jar\n", HashAlgorithm::Sha1) == sha1); // sha1sum output
    CHECK(parse_checksum_file("SHA1 (foo-1.0.jar) = 2FD4E1C67A2D28FCED849EE1BB76E7391B93EB12", HashAlgorithm::Sha1) ==
          sha1); // BSD form, upper case
    CHECK(parse_checksum_file(sha1 + "\r\n", HashAlgorithm::Sha1) == sha1);
    CHECK_FALSE(parse_checksum_file("", HashAlgorithm::Sha1).has_value());
    CHECK_FALSE(parse_checksum_file("<html>", HashAlgorithm::Sha1).has_value());
    CHECK_FALSE(parse_checksum_file(sha1, HashAlgorithm::Sha256).has_value()); // wrong length
    CHECK_FALSE(parse_checksum_file("zz" + sha1.substr(2), HashAlgorithm::Sha1).has_value());
}

TEST_CASE("hashes") {
    CHECK(hash_bytes("The quick brown fox jumps over the lazy dog", HashAlgorithm::Sha1) ==
          "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
    CHECK(hash_bytes("", HashAlgorithm::Md5) == "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(hash_bytes("", HashAlgorithm::Sha256) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(hash_bytes("abc", HashAlgorithm::Sha512).size() == 128);
    const auto p = std::filesystem::temp_directory_path() / "ss-hash-test.bin";
    std::ofstream(p) << "abc";
    CHECK(*hash_file(p, HashAlgorithm::Sha256) == hash_bytes("abc", HashAlgorithm::Sha256));
    std::filesystem::remove(p);
    CHECK_FALSE(hash_file("/nonexistent/x", HashAlgorithm::Sha1).ok());
}

TEST_CASE("checksum policy") {
    CHECK(*parse_checksum_policy("warn") == ChecksumPolicy::Warn);
    CHECK(*parse_checksum_policy("fail") == ChecksumPolicy::Fail);
    CHECK(*parse_checksum_policy("ignore") == ChecksumPolicy::Ignore);
    CHECK(parse_checksum_policy("strict").error().kind == ErrorKind::Usage);
}

TEST_CASE("lockfile round trip and validation") {
    Lockfile l;
    l.requested = {"g:a:1.0"};
    l.exclusions = {"x:*"};
    l.roots = {1};
    l.artifacts = {{"g:b:jar:tests:2.0", "compile", "https://repo", std::string(64, 'a'), 2, {}, "test-jar"},
                   {"g:a:1.0", "compile", "https://repo", std::string(64, 'b'), 1, {0}}};
    const auto text = render_lockfile(l);
    auto back = parse_lockfile(text, "mem");
    REQUIRE(back.ok());
    CHECK(back->requested == l.requested);
    CHECK(back->exclusions == l.exclusions);
    REQUIRE(back->artifacts.size() == 2);
    CHECK(back->artifacts[1].children == std::vector<size_t>{0});
    CHECK(back->artifacts[0].sha256 == std::string(64, 'a'));
    CHECK(back->artifacts[0].type == "test-jar"); // printed as Maven prints it after a pinned run too
    CHECK(back->artifacts[1].type.empty());

    auto bad = parse_lockfile("{", "f.json");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().kind == ErrorKind::Resolution);
    CHECK(bad.error().input == "f.json");
    CHECK_FALSE(parse_lockfile(R"({"version":2,"requested":[],"roots":[],"artifacts":[]})", "f").ok());
    CHECK_FALSE(parse_lockfile(R"({"version":1,"requested":[],"roots":[3],"artifacts":[]})", "f").ok());

    const auto p = std::filesystem::temp_directory_path() / "ss-lock-test.json";
    REQUIRE(write_lockfile(p, l).ok());
    CHECK(read_lockfile(p)->artifacts.size() == 2);
    std::filesystem::remove(p);
}

TEST_CASE("credentials are split from URLs") {
    auto s = split_userinfo("https://user:p%40ss@repo.example.com/maven2");
    CHECK(s.url == "https://repo.example.com/maven2");
    CHECK(s.user == "user");
    CHECK(s.password == "p@ss");
    auto none = split_userinfo("https://repo.example.com/a@b");
    CHECK(none.url == "https://repo.example.com/a@b");
    CHECK(none.user.empty());

    auto r = parse_repository("https://u:secret@host/repo/", false);
    REQUIRE(r.ok());
    CHECK(r->url == "https://host/repo");
    CHECK(r->credentials.source == "the repository URL's user info");
    auto bad = parse_repository("ftp://u:secret@host/", false);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().kind == ErrorKind::Usage);
    CHECK(bad.error().input.find("secret") == std::string::npos);
    CHECK(parse_repository("file:///srv/repo", false)->kind == Repository::Kind::File);
    CHECK_FALSE(parse_repository("file://relative", false).ok());

    ::setenv("STREAMSUBMIT_REPO_TOKEN", "tok", 1);
    CHECK(parse_repository("https://host/r", false)->credentials.token == "tok");
    CHECK(parse_repository("https://host/r", true)->credentials.token.empty()); // never sent to the defaults
    ::unsetenv("STREAMSUBMIT_REPO_TOKEN");
}

TEST_CASE("HTML bodies are recognized") {
    CHECK(looks_like_html("<!DOCTYPE html><html>", ""));
    CHECK(looks_like_html("\n  <HTML><body>", "application/octet-stream"));
    CHECK(looks_like_html("PK\x03\x04", "text/html; charset=utf-8"));
    CHECK_FALSE(looks_like_html("<?xml version=\"1.0\"?><project>", "application/xml"));
    CHECK_FALSE(looks_like_html("PK\x03\x04", "application/java-archive"));
}

TEST_CASE("cache layout by URL and cache root") {
    HttpClient http({});
    CacheOptions o;
    o.root = "/c";
    ArtifactCache cache(o, http);
    CHECK(cache.path_for("https://repo1.maven.org/maven2/g/a/1/a-1.jar") == "/c/https/repo1.maven.org/maven2/g/a/1/a-1.jar");
    CHECK(cache.path_for("http://127.0.0.1:8080/r/../x?q=1") == "/c/http/127.0.0.1:8080/r/x");
    ::setenv("STREAMSUBMIT_CACHE", "/tmp/ss-c", 1);
    CHECK(default_cache_root() == "/tmp/ss-c");
    ::unsetenv("STREAMSUBMIT_CACHE");
    ::setenv("XDG_CACHE_HOME", "/tmp/xdg", 1);
    CHECK(default_cache_root() == "/tmp/xdg/streamsubmit");
    ::unsetenv("XDG_CACHE_HOME");
}

TEST_CASE("platform classifiers") {
    const auto p = platform_classifier();
    CHECK(p.find('-') != std::string::npos);
#if defined(__linux__) && defined(__x86_64__)
    CHECK(p == "linux-x86_64");
#endif
    MavenMetadata m;
    m.snapshot_versions = {{"osx-aarch_64", "so", "1.0", ""}, {"", "pom", "1.0", ""}, {"linux-x86_64", "so", "1.0", ""},
                           {"sources", "jar", "1.0", ""}};
    CHECK(platform_classifiers(m, "so") == std::vector<std::string>{"linux-x86_64", "osx-aarch_64"});
    Coordinate c{"g", "a", "1.0", "so", "linux-riscv64"};
    auto e = missing_platform_error(c, {"linux-x86_64"}, "");
    CHECK(e.kind == ErrorKind::Resolution);
    CHECK(e.what.find("available platforms: linux-x86_64") != std::string::npos);
}
