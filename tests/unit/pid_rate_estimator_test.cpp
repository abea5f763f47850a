// The estimator against Spark's PIDRateEstimator: every expected rate below is worked out
// by hand from Spark's formulas (see runtime/backpressure/pid_rate_estimator.h), not by running the code.
#include "runtime/backpressure/pid_rate_estimator.h"
#include "runtime/backpressure/rate_controller.h"

#include <doctest/doctest.h>

using namespace streamsubmit::runtime;
using namespace std::chrono_literals;

namespace {
// Spark's defaults: proportional 1.0, integral 0.2, derivative 0.0, minRate 100.
const PidSettings kSpark{};
} // namespace

TEST_CASE("Spark's defaults") {
    CHECK(kSpark.proportional == 1.0);
    CHECK(kSpark.integral == 0.2);
    CHECK(kSpark.derivative == 0.0);
    CHECK(kSpark.min_rate == 100.0);
}

TEST_CASE("step response: a job that processes 1000 records/s, 1 s batches") {
    PidRateEstimator pid(1000ms, kSpark);
    // Batch 1: 500 records in 250 ms = 2000 records/s. The first batch only measures.
    CHECK_FALSE(pid.compute({1000, 500, 250, 0}).has_value());
    // Batch 2: 2000 records (the last rate for 1 s) took 2000 ms: 1000 records/s.
    //   error = 2000 - 1000 = 1000; no scheduling delay: historicalError = 0
    //   rate = 2000 - 1.0 * 1000 - 0.2 * 0 = 1000
    CHECK(pid.compute({2000, 2000, 2000, 0}).value() == doctest::Approx(1000.0));
    // Batch 3 started 1000 ms late (batch 2 overran): 1000 records in 1000 ms.
    //   error = 1000 - 1000 = 0; historicalError = 1000 ms * 1000 / 1000 ms = 1000
    //   rate = 1000 - 0 - 0.2 * 1000 = 800
    CHECK(pid.compute({3000, 1000, 1000, 1000}).value() == doctest::Approx(800.0));
    // Batch 4: 800 records in 800 ms, on time.
    //   error = 800 - 1000 = -200; historicalError = 0; rate = 800 + 200 = 1000
    CHECK(pid.compute({4000, 800, 800, 0}).value() == doctest::Approx(1000.0));
    // Batch 5: steady state, 1000 in 1000 ms: error 0, rate stays 1000.
    CHECK(pid.compute({5000, 1000, 1000, 0}).value() == doctest::Approx(1000.0));
}

TEST_CASE("step response: the producer slows down, the job speeds up (2 s batches)") {
    PidRateEstimator pid(2000ms, kSpark);
    // Batch 1: 4000 records in 4000 ms = 1000 records/s (first: measures only).
    CHECK_FALSE(pid.compute({2000, 4000, 4000, 0}).has_value());
    // Batch 2 is 2000 ms late: 2000 records in 1000 ms = 2000 records/s.
    //   error = 1000 - 2000 = -1000
    //   historicalError = 2000 ms * 2000 / 2000 ms = 2000
    //   rate = 1000 + 1000 - 0.2 * 2000 = 1600
    CHECK(pid.compute({4000, 2000, 1000, 2000}).value() == doctest::Approx(1600.0));
    // Batch 3: 3200 records in 1600 ms = 2000 records/s, 500 ms late.
    //   error = 1600 - 2000 = -400; historicalError = 500 * 2000 / 2000 = 500
    //   rate = 1600 + 400 - 0.2 * 500 = 1900
    CHECK(pid.compute({6000, 3200, 1600, 500}).value() == doctest::Approx(1900.0));
}

TEST_CASE("the derivative term uses the error's change per second since the last update") {
    PidRateEstimator pid(1000ms, PidSettings{1.0, 0.2, 0.5, 100.0});
    // Batch 1 (t = 1000): 1000 records in 500 ms = 2000 records/s; latestError becomes 0.
    CHECK_FALSE(pid.compute({1000, 1000, 500, 0}).has_value());
    // Batch 2 (t = 3000, 2 s later): 3000 records in 2000 ms = 1500 records/s, 500 ms late.
    //   error = 2000 - 1500 = 500; historicalError = 500 * 1500 / 1000 = 750
    //   dError = (500 - 0) / 2.0 s = 250
    //   rate = 2000 - 1.0 * 500 - 0.2 * 750 - 0.5 * 250 = 2000 - 500 - 150 - 125 = 1225
    CHECK(pid.compute({3000, 3000, 2000, 500}).value() == doctest::Approx(1225.0));
    // Batch 3 (t = 4000): 1225 records in 1225 ms = 1000 records/s, on time.
    //   error = 1225 - 1000 = 225; dError = (225 - 500) / 1.0 = -275
    //   rate = 1225 - 225 - 0 + 0.5 * 275 = 1137.5
    CHECK(pid.compute({4000, 1225, 1225, 0}).value() == doctest::Approx(1137.5));
}

TEST_CASE("the rate never goes below minRate") {
    PidRateEstimator pid(1000ms, kSpark);
    CHECK_FALSE(pid.compute({1000, 2000, 1000, 0}).has_value()); // 2000 records/s
    // 100 records in 1000 ms = 100 records/s, 1000 ms late:
    //   error = 2000 - 100 = 1900; historicalError = 1000 * 100 / 1000 = 100
    //   2000 - 1900 - 0.2 * 100 = 80, below 100: minRate
    CHECK(pid.compute({2000, 100, 1000, 1000}).value() == doctest::Approx(100.0));
    PidRateEstimator custom(1000ms, PidSettings{1.0, 0.2, 0.0, 250.0});
    CHECK_FALSE(custom.compute({1000, 2000, 1000, 0}).has_value());
    CHECK(custom.compute({2000, 100, 1000, 1000}).value() == doctest::Approx(250.0));
}

TEST_CASE("proportional and integral weights come from the settings") {
    PidRateEstimator pid(1000ms, PidSettings{0.5, 1.0, 0.0, 1.0});
    CHECK_FALSE(pid.compute({1000, 3000, 1000, 0}).has_value()); // 3000 records/s
    // 1500 records in 1000 ms, 200 ms late:
    //   error = 3000 - 1500 = 1500; historicalError = 200 * 1500 / 1000 = 300
    //   rate = 3000 - 0.5 * 1500 - 1.0 * 300 = 1950
    CHECK(pid.compute({2000, 1500, 1000, 200}).value() == doctest::Approx(1950.0));
}

TEST_CASE("batches that cannot be measured are ignored, as in Spark") {
    PidRateEstimator pid(1000ms, kSpark);
    CHECK_FALSE(pid.compute({1000, 0, 500, 0}).has_value());    // no records
    CHECK_FALSE(pid.compute({1000, 500, 0, 0}).has_value());    // no processing time
    CHECK_FALSE(pid.compute({1000, 1000, 1000, 0}).has_value()); // the first measured batch
    CHECK_FALSE(pid.compute({1000, 500, 1000, 0}).has_value());  // not after the last update
    CHECK_FALSE(pid.compute({500, 500, 1000, 0}).has_value());   // earlier than the last update
    // Still 1000 records/s as the reference: 500 records in 1000 ms is 500 records/s,
    //   error = 1000 - 500 = 500; rate = 1000 - 500 = 500.
    CHECK(pid.compute({2000, 500, 1000, 0}).value() == doctest::Approx(500.0));
}

TEST_CASE("rate controller: off, initial rate, then the estimates") {
    RateController off({false, 5000, kSpark}, 1000ms);
    CHECK_FALSE(off.rate().has_value());
    off.on_batch_completed({1000, 1000, 1000, 0});
    off.on_batch_completed({2000, 1000, 2000, 0});
    CHECK_FALSE(off.rate().has_value());

    RateController unset({true, 0, kSpark}, 1000ms);
    CHECK_FALSE(unset.rate().has_value()); // no initial rate: unlimited until the first estimate

    RateController on({true, 5000, kSpark}, 1000ms);
    CHECK(on.rate().value() == 5000.0);
    on.on_batch_completed({1000, 5000, 2500, 0}); // 2000 records/s; measures only
    CHECK(on.rate().value() == 5000.0);
    // 2000 records in 2000 ms = 1000 records/s: error 1000, rate = 2000 - 1000 = 1000
    on.on_batch_completed({2000, 2000, 2000, 0});
    CHECK(on.rate().value() == doctest::Approx(1000.0));
    on.on_batch_completed({3000, 0, 0, 0}); // an empty batch keeps the rate
    CHECK(on.rate().value() == doctest::Approx(1000.0));
}
