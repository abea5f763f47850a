#include "runtime/plugin/plugin_loader.h"
#include "runtime/plugin/source.h"

#include "fake_source.h"

#include <doctest/doctest.h>

#include <fmt/format.h>

#include <cstring>
#include <string>
#include <vector>

using namespace streamsubmit;
using namespace streamsubmit::runtime;

namespace {

Error error_for(ss_status status) {
    ss_error err = empty_error();
    std::strcpy(err.message, "kafka: something");
    return source_error(status, err);
}

} // namespace

TEST_CASE("whether a plugin failure is worth retrying is carried by the Error") {
    CHECK(error_for(SS_ERR_UNREACHABLE).retriable);
    CHECK(error_for(SS_ERR_TIMEOUT).retriable);
    CHECK(error_for(SS_ERR_BROKER_TRANSIENT).retriable);
    CHECK_FALSE(error_for(SS_ERR_BROKER).retriable);
    CHECK_FALSE(error_for(SS_ERR_UNKNOWN_TOPIC).retriable);
    CHECK_FALSE(error_for(SS_ERR_OFFSET_OUT_OF_RANGE).retriable);
    CHECK_FALSE(error_for(SS_ERR_AUTHENTICATION).retriable);
    CHECK_FALSE(error_for(SS_ERR_TLS).retriable);
    CHECK(error_for(SS_ERR_REBALANCED).retriable); // the batch is planned again, the job goes on
    CHECK(error_for(SS_ERR_AUTHENTICATION).kind == ErrorKind::Kafka);
    CHECK(error_for(SS_ERR_TLS).hint.find("kafka.ssl.ca.location") != std::string::npos);
}

TEST_CASE("the cause of a plugin failure is carried by the Error") {
    CHECK(error_for(SS_ERR_UNKNOWN_TOPIC).cause == Cause::UnknownTopic);
    CHECK(error_for(SS_ERR_OFFSET_OUT_OF_RANGE).cause == Cause::OffsetOutOfRange);
    CHECK(error_for(SS_ERR_FENCED).cause == Cause::Fenced);
    CHECK(error_for(SS_ERR_REBALANCED).cause == Cause::Rebalanced);
    CHECK(error_for(SS_ERR_INTERRUPTED).cause == Cause::Interrupted);
    CHECK(error_for(SS_ERR_TIMEOUT).cause == Cause::Timeout);
    CHECK(error_for(SS_ERR_UNREACHABLE).cause == Cause::Unreachable);
    CHECK(error_for(SS_ERR_BROKER).cause == Cause::None);
    CHECK(error_for(SS_ERR_INTERNAL).cause == Cause::None);
}

#ifdef KAFKA_PLUGIN
TEST_CASE("a failed call's Error has the failure's cause; a later call's result is its own") {
    auto plugin = load_plugin(KAFKA_PLUGIN);
    REQUIRE(plugin.ok());
    auto source = Source::create(*plugin, {{"bootstrap.servers", "127.0.0.1:1"}}, nullptr);
    REQUIRE(source.ok());
    auto failed = (*source)->query_watermarks({{"orders", 0}}, std::chrono::milliseconds(300));
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().cause != Cause::None);
    auto empty = (*source)->query_watermarks({}, std::chrono::milliseconds(300)); // nothing to ask: succeeds
    CHECK(empty.ok());
}
#endif

namespace {

struct Seen {
    std::vector<std::string> lines;
};

int collect(void *ctx, const ss_record *records, size_t count) {
    for (size_t i = 0; i < count; ++i) {
        const ss_record &r = records[i];
        static_cast<Seen *>(ctx)->lines.push_back(fmt::format(
            "{}-{}@{} {}={} range={} size={}", r.topic, r.partition, r.offset,
            std::string(static_cast<const char *>(r.key), r.key_len),
            std::string(static_cast<const char *>(r.value), r.value_len), r.range_index,
            r.struct_size == sizeof(ss_record)));
    }
    return 0;
}

} // namespace

TEST_CASE("records of a plugin built with a bigger ss_record arrive in the host's layout") {
    for (size_t extra : {size_t{0}, size_t{24}}) {
        CAPTURE(extra);
        test::FakeSourceState state;
        state.record_stride = sizeof(ss_record) + extra;
        state.record_struct_size = static_cast<uint32_t>(sizeof(ss_record) + extra);
        auto source = Source::create(test::fake_source_plugin(state), {}, nullptr, {std::chrono::milliseconds(1234)});
        REQUIRE(source.ok());
        CHECK(state.close_timeout_ms == 1234); // a host setting arrives as a field
        CHECK(state.host_abi_major == SS_PLUGIN_ABI_MAJOR);
        Seen seen;
        auto outcome = (*source)->read_ranges({{{"t", 0}, 3, 5}, {{"t", 1}, 7, 8}}, collect, &seen);
        REQUIRE(outcome.status == SS_OK);
        CHECK(seen.lines == std::vector<std::string>{"t-0@3 k3=v3 range=0 size=true", "t-0@4 k4=v4 range=0 size=true",
                                                     "t-1@7 k7=v7 range=1 size=true"});
    }
}

TEST_CASE("a capability the plugin does not offer is an error naming it, not a crash") {
    test::FakeSourceState state;
    auto source = Source::create(test::fake_source_plugin(state), {}, nullptr);
    REQUIRE(source.ok());
    CHECK_FALSE((*source)->supports_groups());
    auto joined = (*source)->join_group({"t"}, nullptr, nullptr);
    REQUIRE_FALSE(joined.ok());
    CHECK(joined.error().kind == ErrorKind::PluginLoad);
    CHECK(joined.error().what.find("group membership") != std::string::npos);
    auto subscribed = (*source)->subscribe({"t"}, nullptr, nullptr);
    REQUIRE_FALSE(subscribed.ok());
    CHECK(subscribed.error().what.find("group consumption") != std::string::npos);
    // No consumer table, so no record lease (ABI 2.5): the receiver copies instead.
    CHECK_FALSE((*source)->retain_stream_records(0));
}

TEST_CASE("a plugin's failure status reaches the host as the call's outcome") {
    test::FakeSourceState state;
    state.failures = {SS_ERR_OFFSET_OUT_OF_RANGE};
    auto source = Source::create(test::fake_source_plugin(state), {}, nullptr);
    REQUIRE(source.ok());
    Seen seen;
    auto outcome = (*source)->read_ranges({{{"t", 0}, 0, 2}}, collect, &seen);
    CHECK(outcome.status == SS_ERR_OFFSET_OUT_OF_RANGE);
    CHECK(outcome.error.what == "fake: read_ranges 1 failed");
    CHECK(seen.lines.empty());
    auto again = (*source)->read_ranges({{{"t", 0}, 0, 2}}, collect, &seen); // no stale failure
    CHECK(again.status == SS_OK);
    CHECK(seen.lines.size() == 2);
}

TEST_CASE("a plugin's hint replaces the host's, and ss_error's fields stay within the caller's struct") {
    ss_error err = empty_error();
    ss_error_hint(&err, "add --conf sink.lines.path=FILE");
    const Error e = source_error(ss_error_set(&err, SS_ERR_CONFIG, "lines sink: no path"), err);
    CHECK(e.what == "lines sink: no path");
    CHECK(e.hint == "add --conf sink.lines.path=FILE");
    CHECK(source_error(SS_ERR_CONFIG, empty_error()).hint == "fix or remove the kafka.* setting it names");

    // A host built before `hint` existed hands over a struct that ends after `message`.
    ss_error older{};
    std::memset(&older, 'x', sizeof older);
    older.struct_size = offsetof(ss_error, hint);
    ss_error_set(&older, SS_ERR_CONFIG, std::string(2000, 'm').c_str());
    ss_error_hint(&older, "never written");
    CHECK(std::strlen(older.message) == sizeof older.message - 1);
    CHECK(older.hint[0] == 'x');
}
