#include "runtime/progress/receiver_progress.h"

namespace streamsubmit::runtime {

Result<ProgressStore::Resume> ReceiverProgress::resume() {
    Resume out;
    if (!options_.dir) return out;
    auto cp = Checkpoint::open(*options_.dir, options_.subscription, options_.keep_batches);
    if (!cp) return cp.error();
    checkpoint_.emplace(std::move(*cp));
    if (const auto &last = checkpoint_->last()) out.next_id = last->complete ? last->id + 1 : last->id;
    return out;
}

Result<bool> ReceiverProgress::completed(const BatchRecord &batch) {
    if (!checkpoint_) return true;
    BatchRecord record = batch;
    record.complete = true;
    if (auto st = checkpoint_->record(record); !st) return st.error();
    return true;
}

} // namespace streamsubmit::runtime
