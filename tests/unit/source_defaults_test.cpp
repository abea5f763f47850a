// An application's connector defaults (ABI 2.4 source_defaults): read at load, applied by the
// command line where the user set the key nowhere, refused when broken or outside kafka.*.
#include "cli/config.h"
#include "cli/error_report.h"
#include "cli/job_options.h"
#include "cli/plugin_keys.h"
#include "runtime/plugin/plugin_loader.h"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

using namespace streamsubmit;
using namespace streamsubmit::cli;

#ifndef TEST_PLUGIN_DIR
#error "TEST_PLUGIN_DIR must point at the built test plugins"
#endif

namespace {

std::string plugin(const char *name) { return std::string(TEST_PLUGIN_DIR) + "/test-" + name + ".so"; }

struct Logged {
    std::vector<std::pair<runtime::LogLevel, std::string>> lines;
    runtime::Diagnostics diagnostics() {
        return [this](runtime::LogLevel level, std::string_view m) { lines.emplace_back(level, std::string(m)); };
    }
};

} // namespace

TEST_CASE("an application's connector defaults are read at load; a plugin without them has none") {
    auto p = runtime::load_plugin(plugin("defaults_app"));
    REQUIRE(p.ok());
    using Defaults = std::vector<std::pair<std::string, std::string>>;
    CHECK((*p)->source_defaults() ==
          Defaults{{"kafka.fetch.wait.max.ms", "77"}, {"kafka.queued.max.messages.kbytes", "1234"}});
    auto noop = runtime::load_plugin(plugin("noop_app"));
    REQUIRE(noop.ok());
    CHECK((*noop)->source_defaults().empty());
}

TEST_CASE("connector defaults without a usable array refuse the plugin at load") {
    auto p = runtime::load_plugin(plugin("defaults_bad_stride"));
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().kind == ErrorKind::PluginLoad);
    CHECK(p.error().what.find("connector defaults without a usable array (stride 1") != std::string::npos);
    CHECK(exit_code_for(p.error().kind) == 3);
}

TEST_CASE("the user's value wins in every layer; the rest are set as the application's") {
    auto p = runtime::load_plugin(plugin("defaults_app"));
    REQUIRE(p.ok());
    Config c;
    REQUIRE(c.set("kafka.fetch.wait.max.ms", "5", ConfigSource::PropertiesFile, "job.properties").ok());
    Logged log;
    REQUIRE(apply_source_defaults(c, **p, "application defaults-app", log.diagnostics()).ok());

    CHECK(c.get_string("kafka.fetch.wait.max.ms") == "5");
    CHECK(c.find("kafka.fetch.wait.max.ms")->source == ConfigSource::PropertiesFile);
    const ConfigValue *kbytes = c.find("kafka.queued.max.messages.kbytes");
    REQUIRE(kbytes != nullptr);
    CHECK(kbytes->value == "1234");
    CHECK(kbytes->source == ConfigSource::Application);
    CHECK(describe_config(c).find("kafka.queued.max.messages.kbytes = 1234  (application defaults-app 0.0.1)") !=
          std::string::npos);
    // What the connector is given: every kafka.* key that is set, the application's included.
    const auto kafka = c.with_prefix("kafka.");
    CHECK(std::find(kafka.begin(), kafka.end(), std::pair<std::string, std::string>{"queued.max.messages.kbytes",
                                                                                   "1234"}) != kafka.end());
    // Said once, for the key applied only, at debug level (-v).
    REQUIRE(log.lines.size() == 1);
    CHECK(log.lines[0].first == runtime::LogLevel::Debug);
    CHECK(log.lines[0].second.find("kafka.queued.max.messages.kbytes = 1234") != std::string::npos);
    CHECK(log.lines[0].second.find("application defaults-app") != std::string::npos);

    // Any stronger layer still replaces the application's value.
    REQUIRE(c.set("kafka.queued.max.messages.kbytes", "4096", ConfigSource::ConfFlag).ok());
    CHECK(c.get_string("kafka.queued.max.messages.kbytes") == "4096");
}

TEST_CASE("a connector default outside kafka.* refuses the plugin, naming the key") {
    auto p = runtime::load_plugin(plugin("defaults_outside_kafka"));
    REQUIRE(p.ok()); // well formed; what it asks for is the command line's to judge
    Config c;
    Logged log;
    auto st = apply_source_defaults(c, **p, "application defaults-app", log.diagnostics());
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().kind == ErrorKind::PluginLoad);
    CHECK(st.error().what.find("'stream.batchInterval', which is not a connector key") != std::string::npos);
    CHECK(st.error().input == plugin("defaults_outside_kafka"));
    CHECK_FALSE(c.find("stream.batchInterval"));
}
