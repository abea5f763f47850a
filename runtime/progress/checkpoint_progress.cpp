#include "runtime/progress/checkpoint_progress.h"

#include <fmt/format.h>

namespace streamsubmit::runtime {

Result<ProgressStore::Resume> CheckpointProgress::resume() {
    Resume out;
    if (!options_.dir) return out;
    auto cp = Checkpoint::open(*options_.dir, options_.subscription, options_.keep_batches);
    if (!cp) return cp.error();
    checkpoint_.emplace(std::move(*cp));
    if (!checkpoint_->last()) return out;
    const BatchRecord &last = *checkpoint_->last();
    if (diagnostics_)
        diagnostics_(LogLevel::Info,
                     fmt::format("resuming from checkpoint {} after batch {}{}; starting options are ignored",
                                 checkpoint_->dir().string(), last.id,
                                 last.complete ? "" : " (re-running it: it did not complete)"));
    out.positions.emplace();
    for (const auto &r : last.ranges) (*out.positions)[r.tp] = last.complete ? r.until : r.from;
    if (!last.complete) out.pending = last;
    out.next_id = last.complete ? last.id + 1 : last.id;
    return out;
}

Status CheckpointProgress::planned(const BatchRecord &batch) {
    if (!checkpoint_) return ok_status();
    BatchRecord record = batch;
    record.complete = false;
    return checkpoint_->record(record);
}

Result<bool> CheckpointProgress::completed(const BatchRecord &batch) {
    if (checkpoint_) {
        BatchRecord record = batch;
        record.complete = true;
        if (auto st = checkpoint_->record(record); !st) return st.error();
    }
    if (!options_.commit_offsets) return true;
    OffsetMap untils;
    for (const auto &r : batch.ranges) untils[r.tp] = r.until;
    // The checkpoint is the truth here; the group's offsets only show progress and lag.
    if (auto st = control_.commit_offsets(untils); !st && diagnostics_)
        diagnostics_(LogLevel::Warn, "could not commit offsets to the consumer group: " + st.error().what);
    return true;
}

} // namespace streamsubmit::runtime
