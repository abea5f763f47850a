// The files sink: each range of a batch becomes one file under `dir`, named after the range
// (Kafka Connect's topic+partition+startOffset), written under a hidden temporary name,
// fsynced when the range is finished and renamed into place when the batch commits, then
// the directory is fsynced. A re-run batch rewrites the same names with the same records,
// so a reader of `dir` sees every record exactly once and never a partial file.
#pragma once

#include "partition_progress.h"
#include "sink_support.h"

#include <streamsubmit/plugin.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace streamsubmit::sinks {

struct FilesSinkOptions {
    std::filesystem::path dir;
    RecordFormat format;
    int test_delay_ms = 0;   // STREAMSUBMIT_TEST_FILES_SINK_DELAY_MS: pause mid-write (crash tests only)
};

class FilesSink {
public:
    static std::unique_ptr<FilesSink> create(FilesSinkOptions options, SinkError &error);
    ~FilesSink();

    SinkError process(const ss_batch &batch, const ss_offset_range &range, const ss_record *records, size_t count,
                      size_t stride);
    SinkError finish_range(const ss_batch &batch, const ss_offset_range &range);
    SinkError commit(const ss_batch &batch);
    void abort(const ss_batch &batch);
    // Moves each position forward to the end of what this directory already holds for its
    // partition (JSON Lines only: a raw file does not say which offsets it holds). Never back:
    // records the host would start after are not read again. Group mode: a partition with
    // progress in the directory continues exactly there (its batches commit only from there).
    SinkError recover(ss_topic_partition *positions, size_t count, size_t stride);

    // "orders+3+00000000000000000042.jsonl": sorts by offset within a partition.
    std::string file_name(const ss_offset_range &range) const;

private:
    struct RangeFile {
        std::filesystem::path temp;
        std::filesystem::path final;
        int fd = -1;
        std::string buffer; // formatted records not yet written
        std::string json_prefix; // {"topic":..,"partition":..,"offset": of this file's partition
        bool finished = false; // fsynced and closed
    };
    struct BatchFiles {
        std::vector<std::unique_ptr<RangeFile>> ranges; // by index in the batch; null until written
    };

    explicit FilesSink(FilesSinkOptions options) : options_(std::move(options)), progress_(options_.dir) {}
    RangeFile *range_file(const ss_batch &batch, const ss_offset_range &range, bool create, SinkError &error);
    SinkError flush(RangeFile &file);
    void discard(BatchFiles &files);
    BatchFiles take(int64_t batch);
    SinkError publish(BatchFiles &files);

    FilesSinkOptions options_;
    PartitionProgress progress_;
    std::mutex mutex_; // guards batches_ (not the files: one reader thread owns a range's file)
    std::map<int64_t, BatchFiles> batches_;
};

} // namespace streamsubmit::sinks
