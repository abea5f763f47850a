// stream.backpressure.*: the rate (records/s for the whole stream) the next batch may
// read, estimated from how the last batches went. Behaves as Spark Streaming's
// PIDRateEstimator, so the same settings give the same rates:
//   processingRate   = records / processing time
//   error            = latestRate - processingRate
//   historicalError  = schedulingDelay * processingRate / batchInterval
//   dError           = (error - latestError) / seconds since the last update
//   newRate          = max(minRate, latestRate - P * error - I * historicalError - D * dError)
// The first usable batch only measures (latestRate = its processing rate) and gives no
// estimate; a batch with no records, no processing time, or a time not after the last
// update is ignored.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace streamsubmit::runtime {

struct PidSettings {
    double proportional = 1.0;
    double integral = 0.2;
    double derivative = 0.0;
    double min_rate = 100.0; // records/s; must be > 0 so a batch always has records to measure
};

// What one finished batch tells the estimator, in Spark's units (milliseconds).
struct BatchMeasurement {
    int64_t time_ms = 0;             // when the batch was due (its place on the batch grid)
    int64_t records = 0;
    int64_t processing_ms = 0;       // reading plus processing plus output
    int64_t scheduling_delay_ms = 0; // how late the batch started after it was due
};

class PidRateEstimator {
public:
    // batch_interval > 0; the settings as checked by the configuration (all >= 0, min_rate > 0).
    PidRateEstimator(std::chrono::milliseconds batch_interval, PidSettings settings);

    // The new rate in records/s, or nullopt when this batch gives none (see above).
    std::optional<double> compute(const BatchMeasurement &batch);

private:
    int64_t batch_interval_ms_;
    PidSettings settings_;
    bool first_run_ = true;
    int64_t latest_time_ms_ = -1;
    double latest_rate_ = -1.0;
    double latest_error_ = -1.0;
};

} // namespace streamsubmit::runtime
