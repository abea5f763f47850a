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

#ifdef KAFKA_PLUGIN
TEST_CASE("last_status() describes the last call, not an earlier failure") {
    auto plugin = load_plugin(KAFKA_PLUGIN);
    REQUIRE(plugin.ok());
    auto source = Source::create(*plugin, {{"bootstrap.servers", "127.0.0.1:1"}}, nullptr);
    REQUIRE(source.ok());
    auto failed = (*source)->query_watermarks({{"orders", 0}}, std::chrono::milliseconds(300));
    REQUIRE_FALSE(failed.ok());
    CHECK((*source)->last_status() != SS_OK);
    auto empty = (*source)->query_watermarks({}, std::chrono::milliseconds(300)); // nothing to ask: succeeds
    REQUIRE(empty.ok());
    CHECK((*source)->last_status() == SS_OK);
}
#endif
