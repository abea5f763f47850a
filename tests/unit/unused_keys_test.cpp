#include "cli/unused_keys.h"

#include <doctest/doctest.h>

using namespace streamsubmit::cli;

namespace {

Config with(std::initializer_list<std::pair<const char *, const char *>> keys) {
    Config c;
    for (const auto &[k, v] : keys) REQUIRE(c.set(k, v, ConfigSource::ConfFlag).ok());
    return c;
}

} // namespace

TEST_CASE("a sink's keys without that sink are named with the sink that would use them") {
    const auto c = with({{"sink.files.dir", "/tmp/out"}, {"sink.exec.command", "cat"}});
    CHECK(unused_key_warnings(c, {"exec", ""}) ==
          std::vector<std::string>{"sink.files.dir is set but the sink is 'exec'; it is used by --sink files"});
    CHECK(unused_key_warnings(c, {"", ""}) ==
          std::vector<std::string>{"sink.exec.command is set but no sink is chosen; it is used by --sink exec",
                                   "sink.files.dir is set but no sink is chosen; it is used by --sink files"});
    CHECK(unused_key_warnings(c, {"", "count-by-key"}).front() ==
          "sink.exec.command is set but the job runs the application 'count-by-key', not a sink; it is used by "
          "--sink exec");
}

TEST_CASE("app.* keys without an application are named; with one, the application decides") {
    const auto c = with({{"app.window", "5"}});
    const auto warnings = unused_key_warnings(c, {"files", ""});
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].starts_with("app.window is set but the job has no application (--sink files runs instead); "));
    CHECK(unused_key_warnings(c, {"", ""}).size() == 1);
    CHECK(unused_key_warnings(c, {"", "count-by-key"}).empty());
}

TEST_CASE("stream.errors.* keys without an application or a sink are named: nothing rejects records") {
    const auto c = with({{"stream.errors.tolerance", "all"}});
    CHECK(unused_key_warnings(c, {"", ""}) ==
          std::vector<std::string>{"stream.errors.tolerance is set but the job has neither an application nor a sink, "
                                   "so nothing rejects records"});
    CHECK(unused_key_warnings(c, {"kafka", ""}).empty());
    CHECK(unused_key_warnings(c, {"", "reject-app"}).empty());
}

TEST_CASE("nothing to say when every key is used") {
    CHECK(unused_key_warnings(with({{"sink.files.dir", "/tmp/out"}, {"kafka.client.id", "x"}}), {"files", ""}).empty());
    CHECK(unused_key_warnings(Config{}, {"", ""}).empty());
}

TEST_CASE("a record format without a sink, and registry keys without a format, are named") {
    auto c = with({{"stream.value.format", "avro"}, {"schema.registry.url", "http://r:1"}});
    CHECK(unused_key_warnings(c, {"files", ""}).empty());
    auto warnings = unused_key_warnings(c, {"", "count-by-key"});
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].starts_with("stream.value.format=avro is set but the job runs the application 'count-by-key', "
                                  "not a sink; records are decoded by a sink"));
    CHECK(unused_key_warnings(c, {"", ""}).size() == 1);
    warnings = unused_key_warnings(with({{"schema.registry.url", "http://r:1"}}), {"files", ""});
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] == "schema.registry.url is set but stream.key.format and stream.value.format are bytes; it is "
                         "used by the avro, protobuf and json-schema formats");
}
