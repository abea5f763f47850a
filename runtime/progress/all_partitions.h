// stream.kafka.coordination=checkpoint: this instance reads every partition of its
// subscription, including partitions and (with --topic-pattern) topics created later.
#pragma once

#include "runtime/progress/ownership.h"
#include "runtime/core/stop_signal.h"

namespace streamsubmit::runtime {

class AllPartitions final : public Ownership {
public:
    explicit AllPartitions(StopSignal &stop) : stop_(stop) {}

    Status start() override { return ok_status(); }
    Result<Assignment> assignment(const ListPartitions &list) override {
        auto listed = list();
        if (!listed) return listed.error();
        return Assignment{std::move(*listed), {}, {}};
    }
    bool starting_options_for_gained() const override { return false; }
    bool partitions_move() const override { return false; }
    Result<bool> wait_until(std::chrono::steady_clock::time_point deadline) override {
        return stop_.wait_until(deadline);
    }
    Result<std::string> group_metadata() override { return std::string(); }

private:
    StopSignal &stop_;
};

} // namespace streamsubmit::runtime
