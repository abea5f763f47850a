// stream.receiver.maxRate (and backpressure, which lowers it): a token bucket of `rate` records per second per receiver
// thread. It starts full and holds at most `burst` tokens, so over any span of t seconds
// a receiver takes at most burst + rate * t records.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace streamsubmit::runtime {

class RateLimiter {
public:
    using Clock = std::chrono::steady_clock;

    // rate 0 = unlimited. burst < 1 is raised to 1.
    RateLimiter(int64_t rate, double burst, Clock::time_point start)
        : rate_(rate), burst_(std::max(1.0, burst)), tokens_(burst_), last_(start) {}

    bool unlimited() const { return rate_ <= 0; }
    int64_t rate() const { return rate_; }

    // Backpressure changes the rate between batches. Tokens earned so far are kept (up to
    // the new burst); a limiter that was unlimited starts full.
    void set_rate(int64_t rate, double burst, Clock::time_point now) {
        if (rate == rate_) return;
        const bool was_unlimited = unlimited();
        if (!was_unlimited) refill(now);
        rate_ = rate;
        burst_ = std::max(1.0, burst);
        tokens_ = was_unlimited ? burst_ : std::min(tokens_, burst_);
        last_ = now;
    }

    // Whole records that may be taken now (capped at `cap`).
    int64_t available(Clock::time_point now, int64_t cap) {
        if (unlimited()) return cap;
        refill(now);
        return std::min<int64_t>(cap, static_cast<int64_t>(tokens_));
    }

    void take(int64_t records) {
        if (!unlimited()) tokens_ -= static_cast<double>(records);
    }

    // How long until one record may be taken (zero when one may be now).
    std::chrono::microseconds wait_time(Clock::time_point now) {
        if (unlimited()) return std::chrono::microseconds(0);
        refill(now);
        if (tokens_ >= 1.0) return std::chrono::microseconds(0);
        return std::chrono::microseconds(static_cast<int64_t>((1.0 - tokens_) * 1e6 / static_cast<double>(rate_)) + 1);
    }

private:
    void refill(Clock::time_point now) {
        if (now <= last_) return;
        const double seconds = std::chrono::duration<double>(now - last_).count();
        tokens_ = std::min(burst_, tokens_ + seconds * static_cast<double>(rate_));
        last_ = now;
    }

    int64_t rate_;
    double burst_;
    double tokens_;
    Clock::time_point last_;
};

} // namespace streamsubmit::runtime
