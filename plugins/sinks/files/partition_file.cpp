#include "partition_file.h"

#include "io_error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace streamsubmit::sinks {
namespace fs = std::filesystem;

std::unique_ptr<PartitionFile> PartitionFile::create(fs::path temp, int64_t start, SinkError &error) {
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        error = io_error("cannot create", temp, errno);
        return nullptr;
    }
    return std::unique_ptr<PartitionFile>(new PartitionFile(std::move(temp), fd, start));
}

PartitionFile::PartitionFile(fs::path temp, int fd, int64_t start)
    : temp_(std::move(temp)), fd_(fd), start_(start), opened_(Clock::now()) {
    buffer_.reserve(kFlushBytes + (size_t{64} << 10));
}

PartitionFile::~PartitionFile() {
    if (fd_ >= 0) ::close(fd_);
}

bool PartitionFile::full(const RollLimits &limits) const {
    return (limits.records > 0 && records_ >= limits.records) || (limits.bytes > 0 && bytes_ >= limits.bytes);
}

bool PartitionFile::due(const RollLimits &limits, Clock::time_point now) const {
    if (!limits.rolling() || full(limits)) return true;
    return limits.interval.count() > 0 && now - opened_ >= limits.interval;
}

SinkError PartitionFile::flush() {
    if (buffer_.empty()) return {};
    auto error = write_all(fd_, buffer_, "files", temp_.string());
    buffer_.clear();
    return error;
}

void PartitionFile::mark_committed() {
    committed_records_ = records_;
    committed_bytes_ = bytes_;
    committed_last_offset_ = last_offset_;
}

SinkError PartitionFile::roll_back() {
    buffer_.clear();
    records_ = committed_records_;
    bytes_ = committed_bytes_;
    last_offset_ = committed_last_offset_;
    if (::ftruncate(fd_, committed_bytes_) != 0) return io_error("cannot truncate", temp_, errno);
    if (::lseek(fd_, committed_bytes_, SEEK_SET) < 0) return io_error("cannot seek in", temp_, errno);
    return {};
}

SinkError PartitionFile::seal() {
    if (auto e = flush()) return e;
    if (::fsync(fd_) != 0) return io_error("cannot fsync", temp_, errno);
    return {};
}

SinkError PartitionFile::publish(const fs::path &final) {
    if (::rename(temp_.c_str(), final.c_str()) != 0) return io_error("cannot rename into place", final, errno);
    const int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return io_error("cannot close", final, errno);
    return {};
}

void PartitionFile::discard() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    ::unlink(temp_.c_str());
}

} // namespace streamsubmit::sinks
