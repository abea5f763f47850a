#include "cli/config.h"
#include "cli/suggest.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace streamsubmit::cli;

TEST_CASE("the nearest name is suggested only when it is close") {
    const std::vector<std::string> options = {"--bootstrap-servers", "--topics", "--topic-pattern", "--group"};
    CHECK(nearest_name("--bootstrap-server", options) == "--bootstrap-servers");
    CHECK(nearest_name("--topic", options) == "--topics");
    CHECK(nearest_name("--frobnicate-everything", options).empty());
    const std::vector<std::string> subcommands = {"submit", "resolve", "publish", "mock-cluster", "config"};
    CHECK(nearest_name("mock-clustr", subcommands) == "mock-cluster");
    CHECK(did_you_mean("--topics", "see --help") == "did you mean --topics? see --help");
    CHECK(did_you_mean("", "see --help") == "see --help");
}

TEST_CASE("a key given without its section is suggested with it") {
    CHECK(nearest_key("group.id") == "kafka.group.id");
    CHECK(nearest_key("batchInterval") == "stream.batchInterval");
    CHECK(nearest_key("maxRatePerPartition") == "stream.kafka.maxRatePerPartition");
    CHECK(nearest_key("batchIntervall") == "stream.batchInterval");
    CHECK(nearest_key("stream.batchIntervl") == "stream.batchInterval");
    // Any other librdkafka property goes under kafka.
    CHECK(nearest_key("security.protocol") == "kafka.security.protocol");
    CHECK(nearest_key("Zzzzzzzzzzzzz").empty());
}

TEST_CASE("an unknown key's hint names the suggestion") {
    Config config;
    const auto st = apply_conf_flag(config, "group.id=x");
    REQUIRE_FALSE(st);
    CHECK(st.error().hint.find("did you mean kafka.group.id?") != std::string::npos);
}
