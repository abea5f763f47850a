// An exclusive lock on a directory, held for the life of the object: two jobs never
// write one checkpoint or one write-ahead log. flock(2) on DIR/lock is released by the
// kernel when the holder dies, so a stale lock of a dead process never blocks; the
// holder's pid is written into the file only to name it in the error.
#pragma once

#include "common/error.h"

#include <filesystem>
#include <string>

namespace streamsubmit {

class DirLock {
public:
    // Takes the lock without waiting. Held elsewhere: an ErrorKind::InUse error naming
    // `dir` and the holder's pid; `what` says what the directory is ("checkpoint directory").
    static Result<DirLock> acquire(const std::filesystem::path &dir, const std::string &what);

    DirLock(DirLock &&other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    DirLock &operator=(DirLock &&other) noexcept;
    DirLock(const DirLock &) = delete;
    DirLock &operator=(const DirLock &) = delete;
    ~DirLock();

private:
    explicit DirLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

} // namespace streamsubmit
