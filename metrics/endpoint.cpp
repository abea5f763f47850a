#include "metrics/endpoint.h"

#include "metrics/status_api.h"
#include "metrics/status_page.h"

#include <prometheus/text_serializer.h>

#include <sstream>

namespace streamsubmit::metrics {
namespace {

HttpResponse probe_response(const Probe &probe) {
    return {probe.ok ? 200 : 503, "text/plain; charset=utf-8", (probe.ok ? "ok: " : "not ok: ") + probe.why + "\n"};
}

} // namespace

Result<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::start(const EndpointOptions &options) {
    std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint());
    endpoint->job_ = options.job;
    endpoint->job_.version = options.version;
    endpoint->metrics_ = std::make_unique<JobMetrics>(options.labels, options.version, options.liveness_timeout);
    auto server = HttpServer::start(options.address);
    if (!server) return server.error();
    endpoint->server_ = std::move(*server);
    MetricsEndpoint *self = endpoint.get();
    self->server_->handle("/metrics", [self] {
        return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", self->scrape()};
    });
    self->server_->handle("/healthz", [self] { return probe_response(self->metrics_->state().alive()); });
    self->server_->handle("/readyz", [self] { return probe_response(self->metrics_->state().ready()); });
    serve_status_page(*self->server_);
    serve_status_api(*self->server_, self->metrics_->state(), self->job_);
    return endpoint;
}

std::string MetricsEndpoint::scrape() const {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, metrics_->collect());
    return out.str();
}

} // namespace streamsubmit::metrics
