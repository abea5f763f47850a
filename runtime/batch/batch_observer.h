// What a job tells whoever watches it (the metrics endpoint) about each batch as it ends.
// The runtime knows nothing of HTTP or Prometheus: cli/ hands BatchRunner an observer, or none.
#pragma once

#include "runtime/batch/batch_report.h"
#include "runtime/core/job_observer.h"
#include "runtime/progress/checkpoint.h"

namespace streamsubmit::runtime {

enum class BatchOutcome {
    Committed, // output, and its progress recorded
    Aborted,   // refused or aborted by the group: its partitions are read again
    Failed,    // an error ended it (the job stops or re-plans)
};

struct BatchEnded {
    const BatchRecord &batch;
    const BatchReport *report = nullptr; // set once the batch was output (committed or aborted after)
    BatchOutcome outcome = BatchOutcome::Committed;
    bool replayed = false;    // a batch from the write-ahead log, re-run after a crash
    bool application = false; // the job has an application (a sink) that commits each batch
};

// Also a JobObserver: the one object a job is given hears of its rebalances and log writes too.
class BatchObserver : public JobObserver {
public:
    // Called on the driver thread after every batch; must be quick and must not throw.
    virtual void batch_ended(const BatchEnded &ended) noexcept = 0;
};

} // namespace streamsubmit::runtime
