// streamsubmit_consumer_lag_records and _seconds per partition, computed at scrape time from
// the JobState (the seconds grow between batches, as a lag does).
#pragma once

#include "metrics/job_state.h"

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <prometheus/labels.h>

namespace streamsubmit::metrics {

class LagCollector final : public prometheus::Collectable {
public:
    LagCollector(const JobState &state, prometheus::Labels job_labels) : state_(state), labels_(std::move(job_labels)) {}
    std::vector<prometheus::MetricFamily> Collect() const override;

private:
    const JobState &state_;
    prometheus::Labels labels_;
};

} // namespace streamsubmit::metrics
