// What listens on metrics.address: GET /metrics (Prometheus text format), /healthz (the batch
// loop is alive) and /readyz (connected, assigned, not replaying the write-ahead log), and the
// status page: GET / (status_page.h) drawing /api/job, /api/batches, /api/partitions
// (status_api.h), all read from metrics().state().
#pragma once

#include "metrics/http_server.h"
#include "metrics/job_info.h"
#include "metrics/job_metrics.h"

#include <memory>

namespace streamsubmit::metrics {

struct EndpointOptions {
    std::string address; // metrics.address, HOST:PORT
    JobLabels labels;
    std::string version;
    std::chrono::milliseconds liveness_timeout{300'000}; // metrics.livenessTimeout
    JobInfo job; // what the status page says of the job (its version is `version`)
};

class MetricsEndpoint {
public:
    // Listens, or an error naming the address (exit 2).
    static Result<std::unique_ptr<MetricsEndpoint>> start(const EndpointOptions &options);

    JobMetrics &metrics() { return *metrics_; } // the job's BatchObserver
    HttpServer &server() { return *server_; }

    // The scrape body: every series of the registry in the text exposition format.
    std::string scrape() const;

private:
    MetricsEndpoint() = default;
    JobInfo job_;
    std::unique_ptr<JobMetrics> metrics_;
    std::unique_ptr<HttpServer> server_; // after metrics_: stops serving before they go
};

} // namespace streamsubmit::metrics
