#include "runtime/plugin/plugin_loader.h"
#include "runtime/plugin/source.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <string>

using namespace streamsubmit;
using namespace streamsubmit::runtime;

#ifndef TEST_PLUGIN_DIR
#error "TEST_PLUGIN_DIR must point at the built test plugins"
#endif

namespace {
std::string plugin(const char *name) { return std::string(TEST_PLUGIN_DIR) + "/test-" + name + ".so"; }
} // namespace

TEST_CASE("a plugin built for another ABI is refused with both versions and a fix") {
    auto p = load_plugin(plugin("wrong_abi"));
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().kind == ErrorKind::PluginLoad);
    CHECK(p.error().input == plugin("wrong_abi"));
    CHECK(p.error().what.find("ABI 99.0") != std::string::npos);
    CHECK(p.error().what.find(fmt::format("ABI {}.{}", SS_PLUGIN_ABI_MAJOR, SS_PLUGIN_ABI_MINOR)) != std::string::npos);
    CHECK_FALSE(p.error().hint.empty());
}

TEST_CASE("a shared object without the entry symbol is not a plugin") {
    auto p = load_plugin(plugin("no_entry"));
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().what.find("streamsubmit_plugin_entry") != std::string::npos);
}

TEST_CASE("a wrong magic number is refused before any other field is read") {
    auto p = load_plugin(plugin("wrong_magic"));
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().what.find("magic") != std::string::npos);
}

TEST_CASE("a missing file and a file that is not a shared object") {
    CHECK(load_plugin("/nonexistent/plugin.so").error().what == "plugin file not found");
    auto p = load_plugin("/etc/hostname");
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().what.find("cannot load plugin") != std::string::npos);
}

#ifdef KAFKA_PLUGIN
TEST_CASE("the Kafka plugin loads and offers a source and a cluster") {
    auto p = load_plugin(KAFKA_PLUGIN);
    REQUIRE(p.ok());
    CHECK((*p)->name() == "kafka");
    CHECK((*p)->source_api() != nullptr);
    CHECK((*p)->cluster_api() != nullptr);
}
#endif

TEST_CASE("a table with a NULL required call is refused at load, naming the call") {
    auto p = load_plugin(plugin("null_call"));
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().kind == ErrorKind::PluginLoad);
    CHECK(p.error().input == plugin("null_call"));
    CHECK(p.error().what.find("table has no 'list_partitions'") != std::string::npos);
    CHECK_FALSE(p.error().hint.empty());
}

TEST_CASE("an ABI 1.x plugin is refused before any of its tables is read, naming the fix") {
    for (const char *name : {"abi10", "abi15"}) {
        CAPTURE(name);
        auto p = load_plugin(plugin(name));
        REQUIRE_FALSE(p.ok());
        CHECK(p.error().kind == ErrorKind::PluginLoad); // exit 3
        CHECK(p.error().what.find(fmt::format("plugin is built for ABI 1.{}", name[4] - '0')) != std::string::npos);
        CHECK(p.error().what.find(fmt::format("streamsubmit uses ABI {}.{}", SS_PLUGIN_ABI_MAJOR,
                                              SS_PLUGIN_ABI_MINOR)) != std::string::npos);
        CHECK(p.error().hint.find("rebuild the plugin") != std::string::npos);
        CHECK(p.error().hint.find("include/streamsubmit/README.md") != std::string::npos);
    }
}

TEST_CASE("an application-only plugin loads as an application and is chosen by capability") {
    auto p = load_plugin(plugin("noop_app"));
    REQUIRE(p.ok());
    CHECK((*p)->name() == "noop-app");
    CHECK((*p)->descriptor().abi_major == SS_PLUGIN_ABI_MAJOR);
    CHECK((*p)->descriptor().abi_minor == SS_PLUGIN_ABI_MINOR);
    CHECK((*p)->application_api() != nullptr);
    CHECK((*p)->source_api() == nullptr);
    CHECK(has_capability(**p, Capability::Application));
    CHECK_FALSE(has_capability(**p, Capability::Source));

    auto chosen = select_plugin({plugin("noop_app")}, Capability::Application, {}, "no-such-bundled-plugin");
    REQUIRE(chosen.ok());
    CHECK((*chosen)->name() == "noop-app");
}

TEST_CASE("a plugin passed for a capability it lacks is an error naming it, not silently ignored") {
    auto p = select_plugin({plugin("noop_app")}, Capability::Source, {}, "kafka");
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().kind == ErrorKind::PluginLoad);
    CHECK(p.error().input == plugin("noop_app"));
    CHECK(p.error().what.find("'noop-app' is an application") != std::string::npos);
    CHECK(p.error().hint.find("primary resource") != std::string::npos);
    // A plugin the job can use for something else (here: as its application) is kept.
    auto source = select_plugin({plugin("noop_app")}, Capability::Source, {Capability::Application},
                                "no-such-bundled-plugin");
    REQUIRE_FALSE(source.ok());
    CHECK(source.error().what.find("no 'no-such-bundled-plugin' plugin found") != std::string::npos);
}
