// --metrics-address (metrics.address): starts the job's metrics endpoint, or nothing when unset.
#pragma once

#include "cli/config.h"
#include "metrics/endpoint.h"
#include "metrics/watermark_poller.h"
#include "runtime/core/diagnostics.h"

#include <memory>

namespace streamsubmit::cli {

// Null when metrics.address is unset; an error (exit 2) names an address it cannot listen on.
Result<std::unique_ptr<metrics::MetricsEndpoint>> start_metrics(const Config &config,
                                                                 const runtime::Diagnostics &diagnostics);

} // namespace streamsubmit::cli
