// stream.backpressure.*: which rate (records/s, whole stream) the next batch may read.
// Like Spark's RateController: stream.backpressure.initialRate until the estimator gives
// its first estimate, then the latest estimate; nothing (unlimited) when backpressure is
// off or neither exists yet.
#pragma once

#include "runtime/backpressure/pid_rate_estimator.h"

#include <chrono>
#include <optional>

namespace streamsubmit::runtime {

struct BackpressureSettings {
    bool enabled = false;
    int64_t initial_rate = 0; // records/s for the whole stream before the first estimate; 0 = unlimited
    PidSettings pid;
};

class RateController {
public:
    RateController(BackpressureSettings settings, std::chrono::milliseconds batch_interval)
        : settings_(settings), estimator_(batch_interval, settings.pid) {}

    bool enabled() const { return settings_.enabled; }

    // The limit for the next batch; nullopt = unlimited.
    std::optional<double> rate() const {
        if (!settings_.enabled) return std::nullopt;
        if (latest_) return latest_;
        if (settings_.initial_rate > 0) return static_cast<double>(settings_.initial_rate);
        return std::nullopt;
    }

    // After each completed batch.
    void on_batch_completed(const BatchMeasurement &batch) {
        if (!settings_.enabled) return;
        if (auto estimate = estimator_.compute(batch)) latest_ = estimate;
    }

private:
    BackpressureSettings settings_;
    PidRateEstimator estimator_;
    std::optional<double> latest_;
};

} // namespace streamsubmit::runtime
