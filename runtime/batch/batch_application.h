// The job's application as the batch loop ends a batch with it: commit, or abort. A job's is
// the hosted Application; the loop's unit tests give a fake.
#pragma once

#include "runtime/plugin/application.h"

namespace streamsubmit::runtime {

class BatchApplication {
public:
    virtual ~BatchApplication() = default;
    // Cause::Rebalanced: the group refused the batch (it is planned again), not a failure.
    virtual Status commit(const ApplicationBatch &batch) = 0;
    virtual void abort(const ApplicationBatch &batch) = 0;
};

class HostedApplication final : public BatchApplication {
public:
    explicit HostedApplication(Application &application) : application_(application) {}
    Status commit(const ApplicationBatch &batch) override { return application_.commit(batch); }
    void abort(const ApplicationBatch &batch) override { application_.abort(batch); }

private:
    Application &application_;
};

} // namespace streamsubmit::runtime
