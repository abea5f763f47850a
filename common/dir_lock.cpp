#include "common/dir_lock.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/file.h>
#include <unistd.h>

namespace streamsubmit {
namespace {

std::string read_holder(int fd) {
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    std::string pid(buf, n > 0 ? static_cast<size_t>(n) : 0);
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return pid.empty() ? "unknown" : pid;
}

// The pid is informational: losing it in a crash costs only a vaguer message.
void write_holder(int fd) {
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, pid.data(), pid.size(), 0);
}

} // namespace

Result<DirLock> DirLock::acquire(const std::filesystem::path &dir, const std::string &what) {
    const auto path = dir / "lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return Error(ErrorKind::Runtime, "cannot open the lock file of the " + what + ": " + std::strerror(errno),
                     path.string(), "check the permissions of the directory");
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        if (err == EWOULDBLOCK) {
            const std::string holder = read_holder(fd);
            ::close(fd);
            return Error(ErrorKind::InUse, "the " + what + " is in use by another job (pid " + holder + ")",
                         dir.string(),
                         "stop that job first, or give this one its own directory; a lock of a process that "
                         "has ended is released by the system");
        }
        ::close(fd);
        return Error(ErrorKind::Runtime, "cannot lock the " + what + ": " + std::strerror(err), path.string(),
                     "use a local file system that supports flock");
    }
    write_holder(fd);
    return DirLock(fd);
}

DirLock &DirLock::operator=(DirLock &&other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

DirLock::~DirLock() {
    if (fd_ >= 0) ::close(fd_);
}

} // namespace streamsubmit
