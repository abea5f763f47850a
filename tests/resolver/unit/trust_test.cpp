// Which repositories may be reached over plain HTTP, what a signature check's outcome means
// under each policy, the cache's verification records and the trusted keys' parsing.
#include "resolver/lockfile.h"
#include "resolver/pgp_keyring.h"
#include "resolver/signature_policy.h"
#include "resolver/transport_policy.h"
#include "resolver/verification_record.h"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace streamsubmit;
using namespace streamsubmit::resolver;

TEST_CASE("url_host: user info, port, IPv6 brackets and case go") {
    CHECK(url_host("http://repo.example.com/maven2") == "repo.example.com");
    CHECK(url_host("http://user:pw@Repo.Example.COM:8080/x") == "repo.example.com");
    CHECK(url_host("http://[::1]:8080/") == "::1");
    CHECK(url_host("http://127.0.0.1:4000") == "127.0.0.1");
    CHECK(url_host("http://host?x=1") == "host");
}

TEST_CASE("loopback: 127.0.0.0/8, ::1, localhost; nothing else") {
    for (const char *h : {"localhost", "LOCALHOST", "localhost.", "repo.localhost", "127.0.0.1", "127.1.2.3",
                          "127.255.255.255", "::1", "0:0:0:0:0:0:0:1"})
        CHECK_MESSAGE(is_loopback_host(h), h);
    for (const char *h : {"repo.example.com", "128.0.0.1", "10.0.0.1", "127.0.0.256", "127.0.0", "127.0.0.1.5",
                          "localhost.example.com", "mylocalhost", "127.0.0.1.nip.io", "::2", "0.0.0.0", "", "127.1"})
        CHECK_MESSAGE(!is_loopback_host(h), h);
}

TEST_CASE("check_transport: https, file and loopback pass; other http is refused unless opted in, with a warning") {
    std::vector<std::string> lines;
    const auto log = [&](std::string_view l) { lines.emplace_back(l); };
    CHECK(check_transport("https://repo.example.com/maven2", {}, log).ok());
    CHECK(check_transport("file:///srv/repo", {}, log).ok());
    CHECK(check_transport("http://127.0.0.1:8080/repo", {}, log).ok());
    CHECK(check_transport("http://localhost/repo", {}, log).ok());
    CHECK(check_transport("http://[::1]:9/repo", {}, log).ok());
    CHECK(lines.empty());

    auto refused = check_transport("http://repo.example.com/maven2", {"other.example.com"}, log);
    REQUIRE(!refused.ok());
    CHECK(refused.error().kind == ErrorKind::Resolution);
    CHECK(refused.error().what.find("http://repo.example.com/maven2") != std::string::npos);
    CHECK(refused.error().hint.find("resolver.allowInsecureHttp=repo.example.com") != std::string::npos);
    CHECK(lines.empty());

    CHECK(check_transport("HTTP://Repo.Example.com/maven2", {"REPO.example.com"}, log).ok());
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].starts_with("warning: "));
    CHECK(lines[0].find("repo.example.com") != std::string::npos);
}

TEST_CASE("signature policy: parsing and the default by kind") {
    CHECK(!parse_signature_policy("")->has_value());
    CHECK(**parse_signature_policy("require") == SignaturePolicy::Require);
    CHECK(**parse_signature_policy("warn") == SignaturePolicy::Warn);
    CHECK(**parse_signature_policy("ignore") == SignaturePolicy::Ignore);
    auto bad = parse_signature_policy("strict");
    REQUIRE(!bad.ok());
    CHECK(bad.error().kind == ErrorKind::Usage);

    Coordinate native{"g", "plugin", "1.0", "so", "linux-x86_64"};
    Coordinate jar{"g", "lib", "1.0", "jar", ""};
    CHECK(policy_for(std::nullopt, native) == SignaturePolicy::Require);
    CHECK(policy_for(std::nullopt, jar) == SignaturePolicy::Warn);
    CHECK(policy_for(SignaturePolicy::Ignore, native) == SignaturePolicy::Ignore);
    CHECK(policy_for(SignaturePolicy::Require, jar) == SignaturePolicy::Require);
}

TEST_CASE("signature policy: what each outcome means") {
    using O = SignatureOutcome;
    for (O o : {O::Verified, O::Unsigned, O::UnknownKey, O::KeyExpired, O::KeyRevoked, O::BadSignature, O::Failed})
        CHECK(decide(SignaturePolicy::Ignore, o) == Verdict::Accept);
    for (auto p : {SignaturePolicy::Warn, SignaturePolicy::Require}) CHECK(decide(p, O::Verified) == Verdict::Accept);
    for (O o : {O::Unsigned, O::UnknownKey, O::KeyExpired, O::KeyRevoked, O::BadSignature, O::Failed})
        CHECK(decide(SignaturePolicy::Require, o) == Verdict::Refuse);
    for (O o : {O::Unsigned, O::UnknownKey, O::KeyExpired, O::Failed}) CHECK(decide(SignaturePolicy::Warn, o) == Verdict::Warn);
    // proof of tampering is refused even under warn, as a wrong checksum is
    CHECK(decide(SignaturePolicy::Warn, O::BadSignature) == Verdict::Refuse);
    CHECK(decide(SignaturePolicy::Warn, O::KeyRevoked) == Verdict::Refuse);
}

TEST_CASE("lockfile: the signing key round-trips and is optional") {
    Lockfile lock;
    lock.requested = {"g:a:1.0"};
    lock.roots = {0};
    lock.artifacts.push_back({"g:a:so:linux-x86_64:1.0", "compile", "http://127.0.0.1/r", "ab", 1, {}, "", "0123456789ABCDEF0123456789ABCDEF01234567"});
    lock.artifacts.push_back({"g:b:1.0", "compile", "http://127.0.0.1/r", "cd", 2, {}});
    lock.roots = {0};
    const std::string text = render_lockfile(lock);
    CHECK(text.find("\"signingKey\": \"0123456789ABCDEF0123456789ABCDEF01234567\"") != std::string::npos);
    auto back = parse_lockfile(text, "x");
    REQUIRE(back.ok());
    CHECK(back->artifacts[0].signing_key == "0123456789ABCDEF0123456789ABCDEF01234567");
    CHECK(back->artifacts[1].signing_key.empty());
}

namespace {

std::filesystem::path scratch_dir(const char *name) {
    auto dir = std::filesystem::temp_directory_path() / (std::string("ss-trust-") + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

void write_text(const std::filesystem::path &p, const std::string &text) { std::ofstream(p, std::ios::binary) << text; }

} // namespace

TEST_CASE("verification record: only for the same file under the same trust; refusals are never read back") {
    const auto dir = scratch_dir("record");
    const auto file = dir / "plugin.so";
    write_text(file, "bytes");
    const auto record = record_path(file);
    CHECK(record.filename() == "plugin.so.signature.json");
    CHECK(!read_record(record, file, "trust-a"));

    REQUIRE(write_record(record, file, {SignatureOutcome::Verified, "FPR", "trust-a"}).ok());
    auto back = read_record(record, file, "trust-a");
    REQUIRE(back);
    CHECK(back->outcome == SignatureOutcome::Verified);
    CHECK(back->fingerprint == "FPR");
    CHECK(!read_record(record, file, "trust-b")); // other keys trusted now: checked again

    write_text(file, "other bytes"); // the file changed (size and mtime)
    CHECK(!read_record(record, file, "trust-a"));

    REQUIRE(write_record(record, file, {SignatureOutcome::BadSignature, "FPR", "trust-a"}).ok());
    CHECK(!read_record(record, file, "trust-a")); // a refusal never vouches for anything

    write_text(record, "{damaged");
    CHECK(!read_record(record, file, "trust-a"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("trusted keys: files, directories and fingerprints; short ids and missing paths refused") {
    const auto dir = scratch_dir("keys");
    write_text(dir / "b.asc", "key b");
    write_text(dir / "a.asc", "key a");
    auto keys = parse_trusted_keys({dir.string(), "0x0123 4567 89ab cdef 0123 4567 89AB CDEF 0123 4567", ""});
    REQUIRE(keys.ok());
    CHECK(keys->key_files == std::vector<std::filesystem::path>{dir / "a.asc", dir / "b.asc"});
    CHECK(keys->fingerprints == std::vector<std::string>{"0123456789ABCDEF0123456789ABCDEF01234567"});

    auto short_id = parse_trusted_keys({"89ABCDEF01234567"});
    REQUIRE(!short_id.ok());
    CHECK(short_id.error().kind == ErrorKind::Usage);
    CHECK(short_id.error().hint.find("short key ids") != std::string::npos);
    CHECK(!parse_trusted_keys({(dir / "missing.asc").string()}).ok());

    // the identity follows the keys' bytes, not their names
    auto before = trust_identity(*keys);
    write_text(dir / "a.asc", "key a, replaced");
    auto after = trust_identity(*parse_trusted_keys({dir.string(), "0123456789ABCDEF0123456789ABCDEF01234567"}));
    REQUIRE(before.ok());
    REQUIRE(after.ok());
    CHECK(*before != *after);
    std::filesystem::remove_all(dir);
}
