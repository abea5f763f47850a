#include "cli/metrics_command.h"

#include <fmt/format.h>

#ifndef STREAMSUBMIT_VERSION
#define STREAMSUBMIT_VERSION "0.0.0"
#endif

namespace streamsubmit::cli {

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
    if (options.liveness_timeout.count() <= 0)
        return Error(ErrorKind::Usage, "metrics.livenessTimeout must be positive",
                     "metrics.livenessTimeout=" + config.get_string("metrics.livenessTimeout"),
                     "use a duration such as 5m");
    auto endpoint = metrics::MetricsEndpoint::start(options);
    if (!endpoint) return endpoint.error();
    if (diagnostics)
        diagnostics(runtime::LogLevel::Info,
                    fmt::format("metrics: serving /metrics, /healthz and /readyz on {}", address));
    return endpoint;
}

} // namespace streamsubmit::cli
