// Receiver mode's write-ahead log: every block is appended and fsynced here before its
// offsets are committed to Kafka, so a crash loses nothing Kafka will not send again.
//
// Layout: DIR/<batch id, 20 digits>.wal, one segment per batch, deleted once the batch
// is complete. A segment starts with the 8 bytes "SSWAL02\n" (format 2), then records:
//   u32 length (little endian) | u32 CRC32C of the length bytes and the payload | payload
// A payload is one block: type 2, batch id, receiver, seq, time, then its records
// (topic, partition, offset, timestamp, timestamp type, key or null, value or null,
// headers as the block encodes them: names, values, null values).
// A format-1 segment ("SSWAL01\n", no headers, no null values) is refused, never misread.
// Recovery truncates a torn tail (an incomplete or failing last record of the newest
// segment, after which no valid record follows); a failing record anywhere else is
// corruption, reported with the file and offset and never skipped.
#pragma once

#include "common/dir_lock.h"
#include "common/error.h"
#include "runtime/receiver/block.h"

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace streamsubmit::runtime {

struct WalSegment {
    int64_t batch_id = 0;
    std::filesystem::path path;
    std::vector<Block> blocks; // in append order
};

// A handle on a segment to fdatasync on another thread while the log goes on writing
// (WriteAheadLog::take_sync). It owns a duplicate of the segment's descriptor, so the log
// may close or rotate the segment meanwhile.
class SegmentSync {
public:
    SegmentSync() = default; // nothing to sync
    SegmentSync(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
    SegmentSync(SegmentSync &&other) noexcept;
    SegmentSync &operator=(SegmentSync &&other) noexcept;
    SegmentSync(const SegmentSync &) = delete;
    SegmentSync &operator=(const SegmentSync &) = delete;
    ~SegmentSync();
    // Once this returns OK, what was written to the segment before take_sync is on disk.
    Status sync();

private:
    int fd_ = -1;
    std::filesystem::path path_;
};

struct WalRecovery {
    std::vector<WalSegment> segments; // by batch id
    std::vector<std::string> notes;   // torn tails truncated, for a warning
};

class WriteAheadLog {
public:
    // Creates DIR (mode 0700) if needed and checks that files can be created in it:
    // an unwritable directory is an ErrorKind::Runtime error (exit 1). Holds DIR/lock until
    // destroyed: a log another job holds is an ErrorKind::InUse error.
    static Result<WriteAheadLog> open(const std::filesystem::path &dir);
    WriteAheadLog(WriteAheadLog &&other) noexcept;
    WriteAheadLog &operator=(WriteAheadLog &&other) noexcept;
    WriteAheadLog(const WriteAheadLog &) = delete;
    WriteAheadLog &operator=(const WriteAheadLog &) = delete;
    ~WriteAheadLog();

    // Every segment's blocks; truncates a torn tail of the newest segment. Corruption is
    // an ErrorKind::Usage error naming the file and offset.
    Result<WalRecovery> recover();

    // Appends `block` to the segment of `batch_id` (created on first use); the record and,
    // for a new segment, the directory entry are on disk when this returns.
    Status append(int64_t batch_id, const Block &block);
    // append() in two steps, for group commit: write() several blocks (in the page cache
    // only; a new segment's directory entry and a previous segment's records are made
    // durable here), then one sync() makes them all durable. Nothing written is durable, and
    // no block may be acknowledged, before sync() returned.
    Status write(int64_t batch_id, const Block &block);
    Status sync();
    // sync() on another thread: the returned handle's sync() makes what was written so far
    // durable, and this log counts it as synced. Nothing written before take_sync may be
    // acknowledged before that sync() returned. An empty handle: nothing to sync.
    Result<SegmentSync> take_sync();

    // Deletes the segments of batches up to and including `batch_id`: close_through, then
    // delete_through.
    Status remove_through(int64_t batch_id);
    // Closes the open segment if it belongs to a batch up to `batch_id`.
    void close_through(int64_t batch_id);
    // Unlinks those segments and fsyncs the directory. It touches only files of completed
    // batches, never this object's state, so it may run while another thread appends to a
    // later batch's segment (the log writer keeps appending while the driver deletes).
    Status delete_through(int64_t batch_id) const;

    // Bytes written by write() and append() since the log was opened (for the metrics).
    int64_t bytes_written() const { return bytes_written_; }

    std::vector<int64_t> segment_ids() const;
    std::filesystem::path segment_path(int64_t batch_id) const;
    const std::filesystem::path &dir() const { return dir_; }

private:
    WriteAheadLog(std::filesystem::path dir, DirLock lock) : dir_(std::move(dir)), lock_(std::move(lock)) {}
    void close_segment();

    std::filesystem::path dir_;
    DirLock lock_;
    int fd_ = -1;
    int64_t fd_batch_ = -1;
    bool unsynced_ = false; // written to fd_ since its last fdatasync
    std::unique_ptr<char[]> buffer_; // one encoded block, reused
    size_t buffer_size_ = 0;
    int64_t bytes_written_ = 0;
};

// The record framing and block payload, exposed for tests.
inline constexpr std::string_view kWalSegmentMagic{"SSWAL02\n", 8};
inline constexpr std::string_view kWalSegmentMagicV1{"SSWAL01\n", 8};
std::string wal_encode_block(int64_t batch_id, const Block &block);
std::string wal_frame(std::string_view payload);

} // namespace streamsubmit::runtime
