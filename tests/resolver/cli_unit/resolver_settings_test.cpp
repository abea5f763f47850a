#include "cli/resolve_command.h"

#include <doctest/doctest.h>

using namespace streamsubmit;
using namespace streamsubmit::cli;

TEST_CASE("resolver settings from the job's configuration") {
    Config c;
    auto defaults = resolver_settings_from_config(c);
    REQUIRE(defaults.ok());
    CHECK(defaults->default_repositories == std::vector<std::string>{"https://repo1.maven.org/maven2"});
    CHECK(defaults->ttl == std::chrono::hours(24));
    CHECK(defaults->checksum_policy == resolver::ChecksumPolicy::Warn);
    CHECK_FALSE(defaults->offline);
    CHECK_FALSE(defaults->lockfile.has_value());
    CHECK_FALSE(defaults->signature_policy.has_value()); // by kind: require for native, warn for the rest
    CHECK(defaults->trusted_keys.empty());
    CHECK(defaults->allow_insecure_http.empty());

    REQUIRE(apply_conf_flag(c, "resolver.userRepositories=https://a/r, file:///srv/r").ok());
    REQUIRE(apply_conf_flag(c, "resolver.repositories=").ok());
    REQUIRE(apply_conf_flag(c, "resolver.excludePackages=org.slf4j:*").ok());
    REQUIRE(apply_conf_flag(c, "resolver.offline=true").ok());
    REQUIRE(apply_conf_flag(c, "resolver.lockfile=/tmp/x.lock").ok());
    REQUIRE(apply_conf_flag(c, "resolver.ttl=1h").ok());
    REQUIRE(apply_conf_flag(c, "resolver.checksumPolicy=fail").ok());
    REQUIRE(apply_conf_flag(c, "resolver.caBundle=/etc/ca.pem").ok());
    REQUIRE(apply_conf_flag(c, "resolver.signaturePolicy=require").ok());
    REQUIRE(apply_conf_flag(c, "resolver.trustedKeys=/etc/keys,0123456789ABCDEF0123456789ABCDEF01234567").ok());
    REQUIRE(apply_conf_flag(c, "resolver.allowInsecureHttp=mirror.lan,repo.lan").ok());
    auto s = resolver_settings_from_config(c);
    REQUIRE(s.ok());
    CHECK(s->repositories == std::vector<std::string>{"https://a/r", "file:///srv/r"});
    CHECK(s->default_repositories.empty());
    CHECK(s->exclusions == std::vector<std::string>{"org.slf4j:*"});
    CHECK(s->offline);
    CHECK(s->lockfile == std::filesystem::path("/tmp/x.lock"));
    CHECK(s->ttl == std::chrono::hours(1));
    CHECK(s->checksum_policy == resolver::ChecksumPolicy::Fail);
    CHECK(s->ca_bundle == std::filesystem::path("/etc/ca.pem"));
    CHECK(s->signature_policy == resolver::SignaturePolicy::Require);
    CHECK(s->trusted_keys == std::vector<std::string>{"/etc/keys", "0123456789ABCDEF0123456789ABCDEF01234567"});
    CHECK(s->allow_insecure_http == std::vector<std::string>{"mirror.lan", "repo.lan"});
    CHECK_FALSE(apply_conf_flag(c, "resolver.checksumPolicy=sometimes").ok());
    CHECK_FALSE(apply_conf_flag(c, "resolver.signaturePolicy=sometimes").ok());
}
