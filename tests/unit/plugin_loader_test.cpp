#include "runtime/plugin_loader.h"

#include <doctest/doctest.h>

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
    CHECK(p.error().what.find("ABI 1.0") != std::string::npos);
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
