// The direct consumer's own progress log. A batch is recorded as planned before
// any record is read and marked complete after its output succeeded, so a restart
// re-runs an unfinished batch with identical ranges and then continues.
#pragma once

#include "common/dir_lock.h"
#include "common/error.h"
#include "runtime/core/offset_range.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace streamsubmit::runtime {

struct BatchRecord {
    int64_t id = 0;
    int64_t time_ms = 0;
    bool complete = false;
    std::vector<OffsetRange> ranges;
};

class Checkpoint {
public:
    // Opens or creates DIR (mode 0700). `subscription` identifies what the job reads
    // ("topics=a,b" or "pattern=..."); a directory written for another one is refused.
    // Holds DIR/lock while the Checkpoint lives: a directory another job holds is an
    // ErrorKind::InUse error naming the holder's pid.
    static Result<Checkpoint> open(const std::filesystem::path &dir, const std::string &subscription,
                                   int keep_batches);

    // The most recent batch recorded, planned or complete.
    const std::optional<BatchRecord> &last() const { return last_; }

    Status record(const BatchRecord &batch); // planned or complete, as batch.complete says

    const std::filesystem::path &dir() const { return dir_; }

private:
    Checkpoint(std::filesystem::path dir, int keep, DirLock lock)
        : dir_(std::move(dir)), keep_(keep), lock_(std::move(lock)) {}
    Status load_latest();
    void prune() const;

    std::filesystem::path dir_;
    int keep_;
    DirLock lock_;
    std::optional<BatchRecord> last_;
};

// What `streamsubmit status` reads of a checkpoint: read while a job may hold it, without its
// lock, and never written. A batch file pruned between listing and reading is looked up again.
struct CheckpointView {
    std::string subscription;         // "topics=a,b" or "pattern=..."
    std::optional<BatchRecord> last;  // the most recent batch recorded, planned or complete
};
Result<CheckpointView> read_checkpoint(const std::filesystem::path &dir);

// Serialization, exposed for tests.
std::string batch_record_to_json(const BatchRecord &batch);
Result<BatchRecord> batch_record_from_json(const std::string &text, const std::string &origin);

} // namespace streamsubmit::runtime
