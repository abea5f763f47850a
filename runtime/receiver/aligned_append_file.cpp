#include "runtime/receiver/aligned_append_file.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace streamsubmit::runtime {
namespace fs = std::filesystem;
namespace {

size_t round_up(size_t n) { return (n + AlignedAppendFile::kAlignment - 1) / AlignedAppendFile::kAlignment * AlignedAppendFile::kAlignment; }

// Turns O_DIRECT off on `fd` (Linux lets fcntl change it): the file system took the open but
// refuses a direct transfer.
bool stop_bypassing(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    return flags >= 0 && ::fcntl(fd, F_SETFL, flags & ~O_DIRECT) == 0;
}

} // namespace

AlignedAppendFile::AlignedAppendFile(fs::path path, std::string label, int fd, bool direct, int64_t size)
    : path_(std::move(path)), label_(std::move(label)), fd_(fd), direct_(direct), size_(size),
      tail_(static_cast<size_t>(size) % kAlignment) {}

Error AlignedAppendFile::io_error(const char *what, int err) const {
    return Error(ErrorKind::Runtime, fmt::format("cannot {} {}: {}", what, label_, std::strerror(err)), path_.string(),
                 "check free space and permissions of its directory");
}

Result<AlignedAppendFile> AlignedAppendFile::open(const fs::path &path, std::string label, PageCache cache) {
    constexpr int kFlags = O_RDWR | O_CREAT | O_CLOEXEC;
    int fd = -1;
    bool direct = false;
    if (cache == PageCache::Bypass) {
        fd = ::open(path.c_str(), kFlags | O_DIRECT, 0600);
        direct = fd >= 0;
    }
    if (fd < 0 && (cache == PageCache::Use || errno == EINVAL)) fd = ::open(path.c_str(), kFlags, 0600);
    if (fd < 0) {
        const int err = errno;
        return AlignedAppendFile(path, std::move(label), -1, false, 0).io_error("create", err);
    }
    struct stat st {};
    const bool sized = ::fstat(fd, &st) == 0;
    AlignedAppendFile file(path, std::move(label), fd, direct, sized ? st.st_size : 0);
    if (!sized) return file.io_error("read the size of", errno);
    file.grow(kAlignment);
    if (file.tail_ == 0) return file;
    // The partial last block goes to the front of the buffer: the next append rewrites it.
    const off_t at = static_cast<off_t>(file.size_ - static_cast<int64_t>(file.tail_));
    for (;;) {
        const ssize_t n = ::pread(fd, file.buffer_.get(), kAlignment, at);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EINVAL && file.direct_ && stop_bypassing(fd)) {
            file.direct_ = false;
            continue;
        }
        if (n < 0) return file.io_error("read", errno);
        if (static_cast<size_t>(n) < file.tail_) return file.io_error("read", EIO); // shrank under us
        return file;
    }
}

AlignedAppendFile::Buffer::Buffer(size_t bytes) {
    void *p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    data_ = static_cast<char *>(p);
    size_ = bytes;
}

AlignedAppendFile::Buffer::Buffer(Buffer &&other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

AlignedAppendFile::Buffer &AlignedAppendFile::Buffer::operator=(Buffer &&other) noexcept {
    if (this != &other) {
        if (data_) ::munmap(data_, size_);
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

AlignedAppendFile::Buffer::~Buffer() {
    if (data_) ::munmap(data_, size_);
}

AlignedAppendFile::AlignedAppendFile(AlignedAppendFile &&other) noexcept
    : path_(std::move(other.path_)), label_(std::move(other.label_)), fd_(std::exchange(other.fd_, -1)),
      direct_(other.direct_), size_(other.size_), buffer_(std::move(other.buffer_)), tail_(other.tail_) {}

AlignedAppendFile &AlignedAppendFile::operator=(AlignedAppendFile &&other) noexcept {
    if (this != &other) {
        (void)close();
        path_ = std::move(other.path_);
        label_ = std::move(other.label_);
        fd_ = std::exchange(other.fd_, -1);
        direct_ = other.direct_;
        size_ = other.size_;
        buffer_ = std::move(other.buffer_);
        tail_ = other.tail_;
    }
    return *this;
}

AlignedAppendFile::~AlignedAppendFile() { (void)close(); }

void AlignedAppendFile::grow(size_t bytes) {
    if (buffer_.size() >= bytes) return;
    Buffer bigger(bytes);
    if (buffer_ && tail_ > 0) std::memcpy(bigger.get(), buffer_.get(), tail_);
    buffer_ = std::move(bigger);
}

char *AlignedAppendFile::reserve(size_t n) {
    grow(round_up(tail_ + n));
    return buffer_.get() + tail_;
}

Status AlignedAppendFile::append(size_t n) {
    const size_t used = tail_ + n;
    const size_t length = round_up(used);
    std::memset(buffer_.get() + used, 0, length - used);
    if (auto st = write_blocks(length); !st) return st; // size_ unchanged: the next append rewrites the same blocks
    size_ += static_cast<int64_t>(n);
    const size_t tail = used % kAlignment;
    std::memmove(buffer_.get(), buffer_.get() + (used - tail), tail);
    tail_ = tail;
    if (buffer_.size() > kKeptBuffer) { // a large append's buffer is not kept
        Buffer small(kAlignment);
        std::memcpy(small.get(), buffer_.get(), tail_);
        buffer_ = std::move(small);
    }
    return ok_status();
}

Status AlignedAppendFile::write_blocks(size_t length) {
    const off_t at = static_cast<off_t>(size_ - static_cast<int64_t>(tail_));
    size_t done = 0;
    while (done < length) {
        const ssize_t n = ::pwrite(fd_, buffer_.get() + done, length - done, at + static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        // A file system that opened with O_DIRECT but refuses this transfer (or a short direct
        // write left the rest unaligned): the page cache takes it.
        if (n < 0 && errno == EINVAL && direct_ && stop_bypassing(fd_)) {
            direct_ = false;
            continue;
        }
        if (n < 0) return io_error("write", errno);
        done += static_cast<size_t>(n);
    }
    return ok_status();
}

Status AlignedAppendFile::close() {
    if (fd_ < 0) return ok_status();
    // Cuts the zeros after the last block's bytes, and whatever a failed append left.
    const int rc = ::ftruncate(fd_, static_cast<off_t>(size_));
    const int err = errno;
    ::close(std::exchange(fd_, -1));
    if (rc != 0) return io_error("truncate", err);
    return ok_status();
}

} // namespace streamsubmit::runtime
