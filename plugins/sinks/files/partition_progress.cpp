#include "partition_progress.h"

#include "io_error.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/file.h>
#include <unistd.h>

namespace streamsubmit::sinks {
namespace fs = std::filesystem;

SinkError fsync_directory(const fs::path &dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return io_error("cannot open directory", dir, errno);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return io_error("cannot fsync directory", dir, err);
    return {};
}

fs::path PartitionProgress::file(const std::string &topic, int32_t partition, const char *suffix) const {
    return dir_ / (topic + "+" + std::to_string(partition) + suffix);
}

std::optional<int64_t> PartitionProgress::read(const std::string &topic, int32_t partition) const {
    std::ifstream in(file(topic, partition));
    long long offset = -1;
    if (!(in >> offset) || offset < 0) return std::nullopt;
    return offset;
}

PartitionProgress::Locks::~Locks() {
    for (int fd : fds_) ::close(fd); // closing releases the flock
}

SinkError PartitionProgress::lock(std::vector<std::pair<std::string, int32_t>> partitions, Locks &locks) const {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) return {SS_ERR_INTERNAL, "files sink: cannot create " + dir_.string() + ": " + ec.message()};
    std::sort(partitions.begin(), partitions.end()); // one order for every instance: no deadlock
    partitions.erase(std::unique(partitions.begin(), partitions.end()), partitions.end());
    for (const auto &[topic, partition] : partitions) {
        const fs::path path = file(topic, partition, ".lock");
        const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) return io_error("cannot open", path, errno);
        locks.fds_.push_back(fd);
        while (::flock(fd, LOCK_EX) != 0)
            if (errno != EINTR) return io_error("cannot lock", path, errno);
    }
    return {};
}

SinkError PartitionProgress::write(const std::string &topic, int32_t partition, int64_t until) const {
    const fs::path path = file(topic, partition);
    const fs::path temp = file(topic, partition, ".tmp");
    std::error_code ec;
    if (!fs::is_directory(dir_, ec)) { // the first progress of this directory (rolling without group mode)
        fs::create_directories(dir_, ec);
        if (ec) return {SS_ERR_INTERNAL, "files sink: cannot create " + dir_.string() + ": " + ec.message()};
        if (auto e = fsync_directory(dir_.parent_path())) return e;
    }
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return io_error("cannot create", temp, errno);
    auto error = write_all(fd, std::to_string(until) + "\n", "files", temp.string());
    if (!error && ::fsync(fd) != 0) error = io_error("cannot fsync", temp, errno);
    ::close(fd);
    if (error) return error;
    if (::rename(temp.c_str(), path.c_str()) != 0) return io_error("cannot rename into place", path, errno);
    return {};
}

} // namespace streamsubmit::sinks
