#include "cli/dead_letters.h"

#include "runtime/plugin/plugin_loader.h"

#include <fmt/format.h>

namespace streamsubmit::cli {

using runtime::Application;
using runtime::ApplicationSetup;
using runtime::DeadLetterQueue;

Result<runtime::RejectPolicy> reject_policy(const Config &config) {
    runtime::RejectPolicy policy;
    policy.tolerate = config.get_string("stream.errors.tolerance") == "all";
    policy.max_per_batch = config.get_int("stream.errors.maxPerBatch");
    policy.log = config.get_bool("stream.errors.log.enable");
    if (policy.max_per_batch < 0)
        return Error(ErrorKind::Usage, "stream.errors.maxPerBatch must not be negative",
                     fmt::format("stream.errors.maxPerBatch={}", policy.max_per_batch),
                     "give the most records a batch may reject, or 0 for no limit");
    if (!policy.tolerate && !config.get_string("stream.errors.deadletterqueue.topic").empty())
        return Error(ErrorKind::Usage, "a dead-letter topic needs stream.errors.tolerance=all",
                     "stream.errors.deadletterqueue.topic=" + config.get_string("stream.errors.deadletterqueue.topic"),
                     "add --conf stream.errors.tolerance=all (with tolerance=none a rejected record fails its batch "
                     "and reaches no topic)");
    return policy;
}

namespace {

// The bundled Kafka sink as a plain idempotent producer to the dead-letter topic.
Result<std::unique_ptr<Application>> start_producer(const std::string &topic, const ApplicationSetup &job_setup,
                                                    const runtime::Diagnostics &diagnostics) {
    auto plugin = runtime::load_bundled_plugin("sink-kafka");
    if (!plugin) return plugin.error();
    ApplicationSetup setup;
    setup.conf = {{"topic", topic}, {"format", "mirror"}, {"transactional", "false"}};
    setup.mode = job_setup.mode;
    setup.group_coordinated = false;
    setup.batch_interval = job_setup.batch_interval;
    setup.source_conf = job_setup.source_conf;
    setup.dead_letter_topic = topic; // checked at create: exit 4 when it does not exist
    auto producer = Application::create(std::move(*plugin), setup, diagnostics);
    if (!producer) {
        Error e = producer.error();
        e.what = "the dead-letter producer could not start: " + e.what;
        if (e.input.empty()) e.input = "stream.errors.deadletterqueue.topic=" + topic;
        return e;
    }
    if (!(*producer)->has_write_dead_letters())
        return Error(ErrorKind::PluginLoad, "the bundled Kafka sink cannot write dead letters (ABI 2.2)",
                     "stream.errors.deadletterqueue.topic=" + topic, "reinstall streamsubmit: its plugins do not match it");
    return producer;
}

} // namespace

Result<std::unique_ptr<DeadLetterQueue>> start_dead_letters(const Config &config, Application *application,
                                                            const ApplicationSetup &setup,
                                                            const runtime::Diagnostics &diagnostics) {
    const std::string topic = config.get_string("stream.errors.deadletterqueue.topic");
    if (topic.empty() || !application) return std::unique_ptr<DeadLetterQueue>{};
    runtime::DeadLetterSettings settings{topic, config.get_bool("stream.errors.deadletterqueue.context.headers.enable"),
                                         config.get_string("stream.name")};
    if (application->has_write_dead_letters())
        return std::make_unique<DeadLetterQueue>(std::move(settings),
                                                 std::make_unique<runtime::OutputDeadLetters>(*application));
    auto producer = start_producer(topic, setup, diagnostics);
    if (!producer) return producer.error();
    return std::make_unique<DeadLetterQueue>(std::move(settings),
                                             std::make_unique<runtime::ProducerDeadLetters>(std::move(*producer)));
}

} // namespace streamsubmit::cli
