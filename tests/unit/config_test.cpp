#include "cli/config.h"
#include "cli/error_report.h"
#include "cli/job_options.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

using namespace streamsubmit;
using namespace streamsubmit::cli;

TEST_CASE("defaults come from the table") {
    Config c;
    CHECK(c.get_string("stream.mode") == "direct");
    CHECK(c.get_duration("stream.batchInterval").count() == 2000);
    CHECK(c.get_bool("stream.failOnDataLoss"));
    CHECK_FALSE(c.get("stream.startingOffsets").has_value());
}

TEST_CASE("precedence: command line > --conf > properties file > default") {
    Config c;
    REQUIRE(c.set("stream.batchInterval", "5s", ConfigSource::PropertiesFile, "f").ok());
    REQUIRE(c.set("stream.batchInterval", "3s", ConfigSource::CommandLine).ok());
    REQUIRE(c.set("stream.batchInterval", "4s", ConfigSource::ConfFlag).ok()); // weaker: ignored
    CHECK(c.get_duration("stream.batchInterval").count() == 3000);
    CHECK(c.find("stream.batchInterval")->source == ConfigSource::CommandLine);
}

TEST_CASE("an unknown key is refused with the nearest known key") {
    Config c;
    auto st = c.set("stream.batchIntervall", "1s", ConfigSource::ConfFlag);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().input == "stream.batchIntervall");
    CHECK(st.error().hint.find("stream.batchInterval") != std::string::npos);
    CHECK(exit_code_for(st.error().kind) == 2);
}

TEST_CASE("kafka.* keys pass through unchecked; librdkafka validates them") {
    Config c;
    REQUIRE(c.set("kafka.security.protocol", "SASL_SSL", ConfigSource::ConfFlag).ok());
    const auto kv = c.with_prefix("kafka.");
    REQUIRE(kv.size() == 1);
    CHECK(kv[0].first == "security.protocol");
}

TEST_CASE("values are checked against the key's type") {
    Config c;
    CHECK_FALSE(c.set("stream.batchInterval", "2x", ConfigSource::ConfFlag).ok());
    CHECK_FALSE(c.set("stream.failOnDataLoss", "yes", ConfigSource::ConfFlag).ok());
    CHECK_FALSE(c.set("stream.kafka.maxRatePerPartition", "-1", ConfigSource::ConfFlag).ok());
    auto st = c.set("stream.mode", "batch", ConfigSource::CommandLine);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().hint.find("direct|receiver") != std::string::npos);
}

TEST_CASE("durations: a number and a unit (ms, s, m, min, h), fractions to whole milliseconds") {
    CHECK(parse_duration("500ms")->count() == 500);
    CHECK(parse_duration("2s")->count() == 2000);
    CHECK(parse_duration("1m")->count() == 60000);
    CHECK(parse_duration("1min")->count() == 60000);
    CHECK(parse_duration("24h")->count() == 86'400'000);
    CHECK(parse_duration("0s")->count() == 0);
    CHECK(parse_duration("1.5s")->count() == 1500);
    CHECK(parse_duration("0.25m")->count() == 15000);
    CHECK(parse_duration("1.5h")->count() == 5'400'000);
    CHECK(parse_duration("2.000s")->count() == 2000);
    CHECK_FALSE(parse_duration("s").ok());
    CHECK_FALSE(parse_duration("2 s").ok());
    CHECK_FALSE(parse_duration("-1s").ok());
    CHECK_FALSE(parse_duration(".5s").ok());
    CHECK_FALSE(parse_duration("1.s").ok());
    CHECK_FALSE(parse_duration("1.2.3s").ok());
    CHECK_FALSE(parse_duration("2d").ok());
    CHECK_FALSE(parse_duration("99999999999999999999h").ok());
    // Finer than a millisecond: refused, naming ms as the way to write it.
    auto fine = parse_duration("1.0005s");
    REQUIRE_FALSE(fine.ok());
    CHECK(fine.error().hint.find("ms") != std::string::npos);
    CHECK_FALSE(parse_duration("0.5ms").ok());
}

TEST_CASE("a bare number is refused for every duration key, with the unit hint, exit 2") {
    int duration_keys = 0;
    for (const auto &key : config_keys()) {
        if (key.type != KeyType::Duration) continue;
        ++duration_keys;
        CAPTURE(key.name);
        CHECK(parse_duration(key.default_value).ok()); // the table's own defaults follow the grammar
        Config c;
        for (const char *bare : {"2", "0", "1500"}) {
            auto st = c.set(std::string(key.name), bare, ConfigSource::CommandLine);
            REQUIRE_FALSE(st.ok());
            CHECK(st.error().what == fmt::format("invalid value for {}: a duration needs a unit", key.name));
            CHECK(st.error().hint == "use a duration such as 500ms, 2s or 1m");
            CHECK(exit_code_for(st.error().kind) == 2);
        }
    }
    CHECK(duration_keys >= 7);
    // Through the option, as a user types it.
    JobArgs args;
    CLI::App app;
    add_job_options(app, args);
    app.parse(std::vector<std::string>{"2", "--batch-interval"}); // CLI11 takes the vector reversed
    auto config = build_config(args);
    REQUIRE_FALSE(config.ok());
    CHECK(config.error().input == "--batch-interval '2'");
    CHECK(config.error().hint == "use a duration such as 500ms, 2s or 1m");
}

TEST_CASE("properties file: key value and key=value, comments, errors with line numbers") {
    const std::string path = "/tmp/ss-props-test.conf";
    {
        std::ofstream out(path);
        out << "# defaults\n\nstream.batchInterval 3s\nkafka.client.id = app-1\n";
    }
    Config c;
    REQUIRE(load_properties_file(c, path).ok());
    CHECK(c.get_duration("stream.batchInterval").count() == 3000);
    CHECK(c.get_string("kafka.client.id") == "app-1");
    CHECK(c.find("kafka.client.id")->origin == path);
    {
        std::ofstream out(path);
        out << "stream.batchInterval 1s\nstream.nope 1\n";
    }
    Config d;
    auto st = load_properties_file(d, path);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().input.find(path + ":2") != std::string::npos);
    std::remove(path.c_str());
}

TEST_CASE("secret-looking keys are recognised for redaction") {
    CHECK(is_secret_key("kafka.sasl.password"));
    CHECK(is_secret_key("kafka.ssl.key.password"));
    CHECK_FALSE(is_secret_key("kafka.bootstrap.servers"));
}

TEST_CASE("errors print in one shape") {
    CHECK(format_error(Error(ErrorKind::Kafka, "cannot reach Kafka", "127.0.0.1:1", "start the brokers")) ==
          "streamsubmit: error: cannot reach Kafka (127.0.0.1:1)\n  hint: start the brokers\n");
    CHECK(exit_code_for(ErrorKind::PluginLoad) == 3);
    CHECK(exit_code_for(ErrorKind::Kafka) == 4);
    CHECK(exit_code_for(ErrorKind::Resolution) == 5);
    CHECK(exit_code_for(ErrorKind::Interrupted) == 130);
}

TEST_CASE("backpressure keys: Spark's PID defaults, decimal values checked") {
    Config c;
    CHECK_FALSE(c.get_bool("stream.backpressure.enabled"));
    CHECK(c.get_double("stream.backpressure.pid.proportional") == 1.0);
    CHECK(c.get_double("stream.backpressure.pid.integral") == 0.2);
    CHECK(c.get_double("stream.backpressure.pid.derived") == 0.0);
    CHECK(c.get_double("stream.backpressure.pid.minRate") == 100.0);
    CHECK(c.get_duration("stream.kafka.maxBatchDelay").count() == 15 * 60 * 1000);
    REQUIRE(c.set("stream.backpressure.pid.integral", "0.35", ConfigSource::ConfFlag).ok());
    CHECK(c.get_double("stream.backpressure.pid.integral") == 0.35);
    CHECK_FALSE(c.set("stream.backpressure.pid.proportional", "-1", ConfigSource::ConfFlag).ok());
    CHECK_FALSE(c.set("stream.backpressure.pid.proportional", "fast", ConfigSource::ConfFlag).ok());
    CHECK_FALSE(c.set("stream.backpressure.pid.proportional", "nan", ConfigSource::ConfFlag).ok());
}

TEST_CASE("--conf values are taken verbatim: a password may begin or end with spaces") {
    Config c;
    REQUIRE(apply_conf_flag(c, "kafka.sasl.password=  two spaces each side  ").ok());
    CHECK(c.get_string("kafka.sasl.password") == "  two spaces each side  ");
}

TEST_CASE("a kafka.* value may come from the environment or a file; literal: escapes") {
    ::setenv("SS_TEST_SECRET", "s3cret value", 1);
    Config c;
    REQUIRE(apply_conf_flag(c, "kafka.sasl.password=env:SS_TEST_SECRET").ok());
    CHECK(c.get_string("kafka.sasl.password") == "s3cret value");

    const std::string path = "/tmp/ss-config-test-secret-" + std::to_string(::getpid());
    std::ofstream(path) << "from a file\n";
    REQUIRE(apply_conf_flag(c, "kafka.ssl.key.password=file:" + path).ok());
    CHECK(c.get_string("kafka.ssl.key.password") == "from a file"); // one trailing newline dropped
    std::remove(path.c_str());

    REQUIRE(apply_conf_flag(c, "kafka.client.id=literal:env:HOME").ok());
    CHECK(c.get_string("kafka.client.id") == "env:HOME");

    ::unsetenv("SS_TEST_UNSET");
    const auto missing = apply_conf_flag(c, "kafka.sasl.username=env:SS_TEST_UNSET");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().kind == ErrorKind::Usage);
    CHECK(missing.error().what.find("kafka.sasl.username") != std::string::npos);
    const auto unreadable = apply_conf_flag(c, "kafka.sasl.password=file:/nonexistent/secret");
    REQUIRE_FALSE(unreadable.ok());
    CHECK(unreadable.error().input == "/nonexistent/secret");
}

TEST_CASE("every key librdkafka marks sensitive is redacted") {
    // rdkafka_conf.c: the properties flagged _RK_SENSITIVE, and the OIDC client secret.
    for (const char *key : {"kafka.ssl.key.location", "kafka.ssl.key.password", "kafka.ssl.key.pem", "kafka.ssl_key",
                            "kafka.ssl.ca.pem", "kafka.ssl.keystore.password", "kafka.sasl.username",
                            "kafka.sasl.password", "kafka.sasl.oauthbearer.config",
                            "kafka.sasl.oauthbearer.client.secret"}) {
        CAPTURE(key);
        CHECK(is_secret_key(key));
        Config c;
        REQUIRE(c.set(key, "principal=admin hush", ConfigSource::ConfFlag).ok());
        CHECK(describe_config(c).find("hush") == std::string::npos);
    }
    CHECK_FALSE(is_secret_key("kafka.bootstrap.servers"));
}

TEST_CASE("exit codes of a locked checkpoint, a stop timeout and a failed application") {
    CHECK(exit_code_for(ErrorKind::InUse) == 6);
    CHECK(exit_code_for(ErrorKind::StopTimeout) == 7);
    CHECK(exit_code_for(ErrorKind::Application) == 8);
}

TEST_CASE("keys a plugin declares are checked, defaulted and listed like the table's") {
    const std::vector<DeclaredKey> keys{
        {"sink.demo.dir", KeyType::String, "", "", "where the files go", "demo sink 1.0", true, false},
        {"sink.demo.format", KeyType::Enum, "json", "json|raw", "record format", "demo sink 1.0", false, false},
        {"sink.demo.retries", KeyType::Int, "2", "", "further runs", "demo sink 1.0", false, false}};
    SUBCASE("a misspelt key is refused with the nearest declared one") {
        Config config;
        REQUIRE(config.set("sink.demo.dri", "/tmp/x", ConfigSource::ConfFlag).ok());
        auto st = config.declare("sink.demo.", keys, true);
        REQUIRE_FALSE(st.ok());
        CHECK(st.error().kind == ErrorKind::Usage);
        CHECK(st.error().input == "sink.demo.dri");
        CHECK(st.error().hint.find("did you mean sink.demo.dir?") != std::string::npos);
    }
    SUBCASE("a value of the wrong type is refused naming the key") {
        Config config;
        REQUIRE(config.set("sink.demo.dir", "/tmp/x", ConfigSource::ConfFlag).ok());
        REQUIRE(config.set("sink.demo.format", "xml", ConfigSource::ConfFlag).ok());
        auto st = config.declare("sink.demo.", keys, true);
        REQUIRE_FALSE(st.ok());
        CHECK(st.error().what == "invalid value for sink.demo.format");
        CHECK(st.error().hint == "use one of: json|raw");
    }
    SUBCASE("a required key that is missing is refused, unless only listing") {
        Config config;
        auto st = config.declare("sink.demo.", keys, true);
        REQUIRE_FALSE(st.ok());
        CHECK(st.error().what == "sink.demo.dir is required");
        Config listing;
        CHECK(listing.declare("sink.demo.", keys, false).ok());
    }
    SUBCASE("defaults count, and effective() lists declared keys") {
        Config config;
        REQUIRE(config.set("sink.demo.dir", "/tmp/x", ConfigSource::ConfFlag).ok());
        REQUIRE(config.declare("sink.demo.", keys, true).ok());
        CHECK(config.get_string("sink.demo.format") == "json");
        CHECK(config.with_prefix_and_defaults("sink.demo.") ==
              std::vector<std::pair<std::string, std::string>>{{"dir", "/tmp/x"}, {"format", "json"}, {"retries", "2"}});
        CHECK(config.get_int("sink.demo.retries") == 2);
        const auto all = config.effective();
        CHECK(std::any_of(all.begin(), all.end(), [](const auto &kv) { return kv.first == "sink.demo.retries"; }));
    }
}

TEST_CASE("schema registry keys: formats checked, the credentials a secret that may come from env: or file:") {
    Config c;
    CHECK(c.get_string("stream.value.format") == "bytes");
    CHECK(c.get_string("stream.key.format") == "bytes");
    CHECK(c.get_duration("schema.registry.request.timeout").count() == 30'000);
    REQUIRE(c.set("stream.value.format", "avro", ConfigSource::ConfFlag).ok());
    REQUIRE(c.set("stream.key.format", "json-schema", ConfigSource::ConfFlag).ok());
    CHECK_FALSE(c.set("stream.value.format", "Avro", ConfigSource::ConfFlag).ok());
    CHECK_FALSE(c.set("schema.registry.request.timeout", "soon", ConfigSource::ConfFlag).ok());
    CHECK(is_secret_key("schema.registry.basic.auth.user.info"));
    CHECK_FALSE(is_secret_key("schema.registry.url"));
    ::setenv("SS_TEST_REGISTRY_AUTH", "alice:pa ss", 1);
    REQUIRE(apply_conf_flag(c, "schema.registry.basic.auth.user.info=env:SS_TEST_REGISTRY_AUTH").ok());
    CHECK(c.get_string("schema.registry.basic.auth.user.info") == "alice:pa ss");
    ::unsetenv("SS_TEST_REGISTRY_AUTH");
}
