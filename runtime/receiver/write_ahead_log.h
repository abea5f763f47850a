// Receiver mode's write-ahead log: every block is appended and fsynced here before its
// offsets are committed to Kafka, so a crash loses nothing Kafka will not send again.
//
// Layout: DIR/<batch id, 20 digits>.wal, one segment per batch; once the batch is complete its
// file is recycled (SegmentPool) or deleted. Format 3: a segment starts with a 44-byte header
//   "SSWAL03\n" | u64 batch id | u64 nonce | i64 previous segment's batch id (-1: none) |
//   u64 previous segment's end offset | u32 CRC32C of those 40 bytes
// then records:
//   u32 length (little endian) | u32 CRC32C of the nonce, the length bytes and the payload | payload
// A payload is one block: type 2, batch id, receiver, seq, time, then its records
// (topic, partition, offset, timestamp, timestamp type, key or null, value or null,
// headers as the block encodes them: names, values, null values).
// The nonce is new each time a file becomes a segment, so what a recycled file held before
// never passes for this segment's records: they end at the first record that fails its check.
// Where an older segment ends is written into the header of the segment after it, so damage
// at an older segment's end is still told from its end.
// Recovery truncates a torn tail (the newest segment's bytes after its last valid record, when
// no valid record follows); a failing record anywhere else is corruption, reported with the
// file and offset and never skipped. A format-2 segment ("SSWAL02\n", no header fields, records
// checked without a nonce, the file's end is the segment's end) is read as before; a format-1
// segment ("SSWAL01\n", no headers, no null values) is refused, never misread.
#pragma once

#include "common/dir_lock.h"
#include "common/error.h"
#include "runtime/receiver/block.h"
#include "runtime/receiver/segment_pool.h"
#include "runtime/receiver/wal_segment_format.h"

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

    // Appends `block` to the segment of `batch_id` (created on first use, from a recycled
    // file when there is one; an existing segment is continued after its last valid record);
    // the record and, for a new segment, the directory entry are on disk when this returns.
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
    // Recycles or unlinks those segments and fsyncs the directory. It touches only files of
    // completed batches and the (thread-safe) pool, so it may run while another thread appends
    // to a later batch's segment (the log writer keeps appending while the driver deletes).
    Status delete_through(int64_t batch_id) const;

    // Bytes written by write() and append() since the log was opened (for the metrics).
    int64_t bytes_written() const { return bytes_written_; }

    std::vector<int64_t> segment_ids() const;
    std::filesystem::path segment_path(int64_t batch_id) const;
    const std::filesystem::path &dir() const { return dir_; }

private:
    WriteAheadLog(std::filesystem::path dir, DirLock lock);
    void close_segment();
    Status open_segment(int64_t batch_id);
    Status continue_segment(int64_t batch_id);

    std::filesystem::path dir_;
    DirLock lock_;
    std::unique_ptr<SegmentPool> pool_;
    std::vector<int64_t> format2_segments_; // found by recover(); deleted, never recycled
    int fd_ = -1;
    int64_t fd_batch_ = -1;
    uint64_t fd_end_ = 0;     // where the next record of fd_'s segment goes
    uint32_t fd_seed_ = 0;    // the CRC32C of its nonce, where its records' checks start
    bool unsynced_ = false;   // written to fd_ since its last fdatasync
    int64_t last_batch_ = -1; // the segment written before fd_'s, named in the next header
    uint64_t last_end_ = 0;
    std::unique_ptr<char[]> buffer_; // one encoded block, reused
    size_t buffer_size_ = 0;
    int64_t bytes_written_ = 0;
};

// The segment header, record framing and block payload, exposed for tests.
std::string wal_segment_header(int64_t batch_id, uint64_t nonce, int64_t previous_batch = -1, uint64_t previous_end = 0);
std::string wal_encode_block(int64_t batch_id, const Block &block);
std::string wal_frame(std::string_view payload, uint64_t nonce); // format 3
std::string wal_frame_v2(std::string_view payload);

} // namespace streamsubmit::runtime
