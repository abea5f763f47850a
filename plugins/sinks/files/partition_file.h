// One output file of one partition while it is written: a hidden temporary file that may span
// several batches (sink.files.roll*). It knows how much of it belongs to committed batches, so
// that an aborted batch is cut off again (truncate), and it is renamed into place whole.
#pragma once

#include "sink_support.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace streamsubmit::sinks {

// When a file is full: the limits of sink.files.rollRecords, rollBytes and rollInterval (0: none).
// With none, every file ends with its batch (one file per range, the default).
struct RollLimits {
    int64_t records = 0;
    int64_t bytes = 0;
    std::chrono::milliseconds interval{0};
    bool rolling() const { return records > 0 || bytes > 0 || interval.count() > 0; }
};

class PartitionFile {
public:
    using Clock = std::chrono::steady_clock;

    // Creates the temporary file `temp` for the records of a partition from offset `start` on.
    static std::unique_ptr<PartitionFile> create(std::filesystem::path temp, int64_t start, SinkError &error);
    ~PartitionFile(); // closes; the temporary file stays (see discard)
    PartitionFile(const PartitionFile &) = delete;
    PartitionFile &operator=(const PartitionFile &) = delete;

    int64_t start() const { return start_; }
    int64_t last_offset() const { return last_offset_; } // -1 before the first record
    int64_t records() const { return records_; }
    bool empty() const { return records_ == 0; }
    const std::filesystem::path &temp() const { return temp_; }

    // Appends the record at `offset` as format(buffer) formats it (written out a MiB at a time).
    template <class Format>
    SinkError append(int64_t offset, Format &&format) {
        const size_t before = buffer_.size();
        format(buffer_);
        bytes_ += static_cast<int64_t>(buffer_.size() - before);
        ++records_;
        last_offset_ = offset;
        return buffer_.size() >= kFlushBytes ? flush() : SinkError{};
    }
    // Whether the next record must go to a new file (rollRecords, rollBytes reached).
    bool full(const RollLimits &limits) const;
    // Whether the file ends with this batch: full, older than rollInterval, or no limit at all
    // (every file ends with its batch).
    bool due(const RollLimits &limits, Clock::time_point now) const;
    // Writes what is buffered (no fsync): the file then holds everything appended.
    SinkError flush();
    // The batch that appended the last records committed: they stay through an abort.
    void mark_committed();
    // The batch that appended since mark_committed failed: cut the file back to what was committed.
    SinkError roll_back();
    // flush + fsync: the file is complete and durable under its temporary name.
    SinkError seal();
    // Renames the sealed file to `final` (the caller fsyncs the directory) and closes it.
    SinkError publish(const std::filesystem::path &final);
    // Closes and removes the temporary file.
    void discard();

private:
    static constexpr size_t kFlushBytes = size_t{1} << 20; // one write() per MiB of output
    PartitionFile(std::filesystem::path temp, int fd, int64_t start);

    std::filesystem::path temp_;
    int fd_ = -1;
    int64_t start_ = 0;
    std::string buffer_;
    int64_t last_offset_ = -1;
    int64_t records_ = 0;
    int64_t bytes_ = 0; // written and buffered
    Clock::time_point opened_;
    int64_t committed_records_ = 0;
    int64_t committed_bytes_ = 0;
    int64_t committed_last_offset_ = -1;
};

} // namespace streamsubmit::sinks
