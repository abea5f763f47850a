#include "runtime/plugin_loader.h"
#include "runtime/source.h"

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
    CHECK(p.error().what.find(fmt::format("ABI 1.{}", SS_PLUGIN_ABI_MINOR)) != std::string::npos);
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
    CHECK(p.error().what.find("source table") != std::string::npos);
    CHECK(p.error().what.find("'list_partitions'") != std::string::npos);
    CHECK_FALSE(p.error().hint.empty());
}

TEST_CASE("an ABI 1.0 plugin still loads, nothing past its descriptor's size is read, its records are converted") {
    auto p = load_plugin(plugin("abi10"));
    REQUIRE(p.ok());
    CHECK((*p)->descriptor().abi_minor == 0);
    CHECK((*p)->application_api() == nullptr);
    REQUIRE((*p)->source_api() != nullptr);

    auto source = Source::create(*p, {}, {});
    REQUIRE(source.ok());
    struct Seen {
        std::vector<std::string> lines;
    } seen;
    const std::vector<OffsetRange> ranges{{{"t", 0}, 0, 2}, {{"t", 3}, 7, 8}};
    auto outcome = (*source)->read_ranges(
        ranges,
        [](void *ctx, const ss_record *records, size_t count) {
            for (size_t i = 0; i < count; ++i) {
                const ss_record &r = *ss_record_at(records, i);
                static_cast<Seen *>(ctx)->lines.push_back(fmt::format(
                    "{}-{}@{} ts={} type={} key={} value={} range={} headers={} size={}", r.topic, r.partition,
                    r.offset, r.timestamp_ms, r.timestamp_type,
                    std::string(static_cast<const char *>(r.key), r.key_len),
                    r.value ? std::string(static_cast<const char *>(r.value), r.value_len) : "null", r.range_index,
                    r.header_count, r.struct_size == sizeof(ss_record)));
            }
            return 0;
        },
        &seen);
    REQUIRE(outcome.status == SS_OK);
    CHECK(seen.lines == std::vector<std::string>{
                            "t-0@0 ts=1000 type=0 key=k0 value=v0 range=0 headers=0 size=true",
                            "t-0@1 ts=1001 type=0 key=k1 value=null range=0 headers=0 size=true",
                            "t-3@7 ts=1007 type=0 key=k7 value=v7 range=1 headers=0 size=true",
                        });
}

TEST_CASE("an application-only plugin loads as an application and is chosen by capability") {
    auto p = load_plugin(plugin("noop_app"));
    REQUIRE(p.ok());
    CHECK((*p)->name() == "noop-app");
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
