#include "common/atomic_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace streamsubmit {
namespace {

Error io_error(std::string what, const std::filesystem::path &path, int err) {
    return Error(ErrorKind::Runtime, std::move(what) + ": " + std::strerror(err), path.string(),
                 "check free space and permissions of the directory");
}

Status fsync_path(const std::filesystem::path &path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) return io_error("cannot open for fsync", path, errno);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return io_error("fsync failed", path, err);
    return ok_status();
}

} // namespace

Status fsync_directory(const std::filesystem::path &dir) { return fsync_path(dir, O_RDONLY | O_DIRECTORY); }

Status write_file_atomically(const std::filesystem::path &path, std::string_view content, unsigned mode) {
    const auto tmp = path.parent_path() / (path.filename().string() + ".tmp." + std::to_string(::getpid()));
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
    if (fd < 0) return io_error("cannot create file", tmp, errno);
    size_t written = 0;
    while (written < content.size()) {
        const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            return io_error("cannot write file", tmp, err);
        }
        written += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return io_error("cannot flush file", tmp, err);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return io_error("cannot rename file into place", path, err);
    }
    return fsync_directory(path.parent_path().empty() ? "." : path.parent_path());
}

Status create_private_directory(const std::filesystem::path &dir) {
    std::error_code ec;
    std::filesystem::path partial;
    for (const auto &part : dir) {
        partial /= part;
        if (std::filesystem::exists(partial, ec)) {
            if (!std::filesystem::is_directory(partial, ec))
                return Error(ErrorKind::Usage, "not a directory", partial.string(),
                             "name a directory, or move the file out of the way");
            continue;
        }
        if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) return io_error("cannot create directory", partial, errno);
    }
    return ok_status();
}

} // namespace streamsubmit
