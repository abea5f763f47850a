// An append-only file written in whole blocks at block-aligned offsets, with O_DIRECT where
// the file system takes it: the write-ahead log's segments.
//
// Why: the log's bytes are read back only after a crash, so keeping them in the page cache
// is pure cost. A buffered write() copies every byte into the page cache and leaves the
// dirty pages to fdatasync; a direct write hands the buffer to the device. On the bench
// machine (ext4 on a virtual disk) dd wrote 1 GiB in 2.9 s with 1.6 s of CPU buffered and in
// 0.8 s with 0.16 s of CPU direct; on 2 cores that CPU is taken from the receivers.
// PostgreSQL writes its WAL the same way where it can (wal_sync_method, PG_O_DIRECT).
//
// How: a direct write must start at an aligned file offset and be a whole number of
// aligned blocks from an aligned buffer. So the file's partial last block stays at the front
// of the buffer, each append rewrites it with the new bytes behind it, and the last block
// is padded with zeros. While the file is open it may end in fewer than kAlignment zero
// bytes beyond size(); close() cuts them. A crash leaves them: a reader of the file must
// accept zeros after the last record up to a multiple of kAlignment (the write-ahead log's
// recovery does, and cuts them).
//
// Rewriting the partial block rewrites bytes already synced with the same values, so a
// torn write of that block leaves them intact (as a buffered write's page writeback does).
// Where O_DIRECT is refused (open fails, or the first write with EINVAL) the same writes go
// through the page cache.
#pragma once

#include "common/error.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace streamsubmit::runtime {

class AlignedAppendFile {
public:
    // Offsets, lengths and the buffer's address are multiples of this. 4096 covers every
    // logical block size Linux file systems ask of direct I/O on common devices.
    static constexpr size_t kAlignment = 4096;
    // A buffer grown beyond this for a large append is freed after it.
    static constexpr size_t kKeptBuffer = 16u << 20;

    enum class PageCache { Bypass, Use };

    // Opens `path` for appending, creating it (mode 0600) if needed; appends go after its
    // current end. `label` names the file in errors ("cannot write <label>: ..."), which
    // name `path` as their input. PageCache::Use: never O_DIRECT (tests of the fallback).
    static Result<AlignedAppendFile> open(const std::filesystem::path &path, std::string label,
                                          PageCache cache = PageCache::Bypass);
    AlignedAppendFile(AlignedAppendFile &&other) noexcept;
    AlignedAppendFile &operator=(AlignedAppendFile &&other) noexcept;
    AlignedAppendFile(const AlignedAppendFile &) = delete;
    AlignedAppendFile &operator=(const AlignedAppendFile &) = delete;
    ~AlignedAppendFile(); // close(), errors ignored

    // Room for `n` bytes after the file's end, to be filled and then written by append(n).
    // Valid until the next call on this object.
    char *reserve(size_t n);
    // Writes the `n` bytes reserve() handed out (one write call). Not durable until the
    // caller fdatasyncs fd().
    Status append(size_t n);

    // The bytes appended, without padding.
    int64_t size() const { return size_; }
    int fd() const { return fd_; }
    bool bypasses_page_cache() const { return direct_; }
    const std::filesystem::path &path() const { return path_; }

    // Cuts the padding (the file then holds size() bytes, not synced) and closes the file.
    Status close();

private:
    // Pages of its own (mmap), page-aligned as direct I/O needs, and given back when freed:
    // not from malloc's arenas, which receiver mode tells to keep what is freed
    // (heap_policy.h), where an aligned buffer of a few MiB cost tens of MiB of peak RSS.
    class Buffer {
    public:
        Buffer() = default;
        explicit Buffer(size_t bytes); // throws std::bad_alloc
        Buffer(Buffer &&other) noexcept;
        Buffer &operator=(Buffer &&other) noexcept;
        ~Buffer();
        char *get() const { return data_; }
        size_t size() const { return size_; }
        explicit operator bool() const { return data_ != nullptr; }

    private:
        char *data_ = nullptr;
        size_t size_ = 0;
    };

    AlignedAppendFile(std::filesystem::path path, std::string label, int fd, bool direct, int64_t size);
    Error io_error(const char *what, int err) const;
    // A buffer of at least `bytes` (a multiple of kAlignment) holding the partial last block.
    void grow(size_t bytes);
    Status write_blocks(size_t length);

    std::filesystem::path path_;
    std::string label_;
    int fd_ = -1;
    bool direct_ = false;
    int64_t size_ = 0;
    Buffer buffer_; // the partial last block (tail_ bytes), then what reserve() handed out
    size_t tail_ = 0;      // size_ % kAlignment: bytes of the last block already in the file
};

} // namespace streamsubmit::runtime
