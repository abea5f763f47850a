#include "runtime/plugin_loader.h"
#include "runtime/source.h"

#include <doctest/doctest.h>

#include <cstring>

using namespace streamsubmit;
using namespace streamsubmit::runtime;

namespace {

Error error_for(ss_status status) {
    ss_error err{};
    err.status = status;
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
