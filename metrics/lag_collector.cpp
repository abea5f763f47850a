#include "metrics/lag_collector.h"

#include <chrono>

namespace streamsubmit::metrics {

std::vector<prometheus::MetricFamily> LagCollector::Collect() const {
    prometheus::MetricFamily records{"streamsubmit_consumer_lag_records",
                                     "Latest offset minus the job's position (direct mode: the latest offset its last "
                                     "batch was planned with; receiver mode: asked for every batch interval)",
                                     prometheus::MetricType::Gauge,
                                     {}};
    prometheus::MetricFamily seconds{"streamsubmit_consumer_lag_seconds",
                                     "Now minus the timestamp of the last record processed, 0 when caught up "
                                     "(direct mode)",
                                     prometheus::MetricType::Gauge,
                                     {}};
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    for (const auto &p : state_.partitions()) {
        prometheus::ClientMetric metric;
        for (const auto &[name, value] : labels_) metric.label.push_back({name, value});
        metric.label.push_back({"partition", std::to_string(p.partition)});
        metric.label.push_back({"topic", p.topic});
        if (const auto lag = p.lag()) {
            metric.gauge.value = static_cast<double>(*lag);
            records.metric.push_back(metric);
        }
        if (const auto lag = p.lag_seconds(now_ms)) {
            metric.gauge.value = *lag;
            seconds.metric.push_back(std::move(metric));
        }
    }
    return {std::move(records), std::move(seconds)};
}

} // namespace streamsubmit::metrics
