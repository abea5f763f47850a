#include "cli/metrics_command.h"

#include <fmt/format.h>

#ifndef STREAMSUBMIT_VERSION
#define STREAMSUBMIT_VERSION "0.0.0"
#endif

namespace streamsubmit::cli {
namespace {

// What the status page shows of the job: named keys only, never a kafka.* value (secrets).
metrics::JobInfo job_info(const Config &config) {
    metrics::JobInfo job;
    job.name = config.get_string("stream.name");
    job.mode = config.get_string("stream.mode");
    job.coordination = config.get_string("stream.kafka.coordination");
    job.group = config.get_string("kafka.group.id");
    job.group_instance = config.get_string("kafka.group.instance.id");
    job.topics = config.get_list("stream.topics");
    job.batch_interval = config.get_duration("stream.batchInterval");
    job.started_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    if (const std::string dir = config.get_string("stream.checkpoint.dir"); !dir.empty()) job.checkpoint = dir;
    return job;
}

} // namespace

Result<std::unique_ptr<metrics::MetricsEndpoint>> start_metrics(const Config &config,
                                                                 const runtime::Diagnostics &diagnostics) {
    const std::string address = config.get_string("metrics.address");
    if (address.empty()) return std::unique_ptr<metrics::MetricsEndpoint>{};
    metrics::EndpointOptions options;
    options.address = address;
    options.labels = {config.get_string("stream.name"), config.get_string("kafka.group.id"),
                      config.get_string("kafka.group.instance.id")};
    options.version = STREAMSUBMIT_VERSION;
    options.liveness_timeout = config.get_duration("metrics.livenessTimeout");
    options.job = job_info(config);
    if (options.liveness_timeout.count() <= 0)
        return Error(ErrorKind::Usage, "metrics.livenessTimeout must be positive",
                     "metrics.livenessTimeout=" + config.get_string("metrics.livenessTimeout"),
                     "use a duration such as 5m");
    auto endpoint = metrics::MetricsEndpoint::start(options);
    if (!endpoint) return endpoint.error();
    if (diagnostics)
        diagnostics(runtime::LogLevel::Info,
                    fmt::format("metrics: serving the status page (/), /metrics, /healthz and /readyz on http://{}/",
                                address));
    return endpoint;
}

} // namespace streamsubmit::cli
