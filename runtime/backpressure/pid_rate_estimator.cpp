#include "runtime/backpressure/pid_rate_estimator.h"

#include <algorithm>

namespace streamsubmit::runtime {

PidRateEstimator::PidRateEstimator(std::chrono::milliseconds batch_interval, PidSettings settings)
    : batch_interval_ms_(std::max<int64_t>(1, batch_interval.count())), settings_(settings) {}

std::optional<double> PidRateEstimator::compute(const BatchMeasurement &batch) {
    if (batch.time_ms <= latest_time_ms_ || batch.records <= 0 || batch.processing_ms <= 0) return std::nullopt;

    const double seconds_since_update = static_cast<double>(batch.time_ms - latest_time_ms_) / 1000.0;
    const double processing_rate = static_cast<double>(batch.records) / static_cast<double>(batch.processing_ms) * 1000.0;
    // The rate asked for last time minus the rate achieved: positive when the batch was too big.
    const double error = latest_rate_ - processing_rate;
    // A scheduling delay d means about d * processingRate records that earlier batches could not
    // take in time; spread over one interval, that is the rate to shed to drain them.
    const double historical_error =
        static_cast<double>(batch.scheduling_delay_ms) * processing_rate / static_cast<double>(batch_interval_ms_);
    const double d_error = (error - latest_error_) / seconds_since_update;
    const double new_rate = std::max(settings_.min_rate, latest_rate_ - settings_.proportional * error -
                                                             settings_.integral * historical_error -
                                                             settings_.derivative * d_error);
    latest_time_ms_ = batch.time_ms;
    if (first_run_) { // nothing was asked for yet: this batch only sets the reference
        latest_rate_ = processing_rate;
        latest_error_ = 0.0;
        first_run_ = false;
        return std::nullopt;
    }
    latest_rate_ = new_rate;
    latest_error_ = error;
    return new_rate;
}

} // namespace streamsubmit::runtime
