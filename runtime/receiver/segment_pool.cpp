#include "runtime/receiver/segment_pool.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace streamsubmit::runtime {
namespace fs = std::filesystem;

namespace {

bool is_free_segment_name(const std::string &name) {
    return name.size() == 25 && name.ends_with(".free") &&
           std::all_of(name.begin(), name.begin() + 20, [](char c) { return c >= '0' && c <= '9'; });
}

} // namespace

SegmentPool::SegmentPool(fs::path dir) : dir_(std::move(dir)) {
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(dir_, ec))
        if (is_free_segment_name(entry.path().filename().string())) free_.push_back(entry.path());
    std::sort(free_.begin(), free_.end());
    while (free_.size() > kMaxFiles) { // a smaller limit than the run that left them
        ::unlink(free_.back().c_str());
        free_.pop_back();
    }
}

int SegmentPool::take(const fs::path &segment) {
    std::lock_guard lock(mu_);
    while (!free_.empty()) {
        const fs::path file = std::move(free_.back());
        free_.pop_back();
        if (::rename(file.c_str(), segment.c_str()) != 0) continue; // gone: try the next
        const int fd = ::open(segment.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd >= 0) return fd;
        ::unlink(segment.c_str()); // the caller creates it anew
        return -1;
    }
    return -1;
}

Status SegmentPool::give(const fs::path &segment, int64_t batch_id) {
    std::error_code ec;
    const uintmax_t bytes = fs::file_size(segment, ec);
    if (ec && ec != std::errc::no_such_file_or_directory)
        return Error(ErrorKind::Runtime, "cannot read the size of a completed write-ahead log segment: " + ec.message(),
                     segment.string(), "check the permissions of the --checkpoint directory");
    if (ec) return ok_status(); // deleted already (a retry after a failure)
    {
        std::lock_guard lock(mu_);
        if (free_.size() < kMaxFiles && bytes <= kMaxFileBytes) {
            const fs::path file = dir_ / fmt::format("{:020}.free", batch_id);
            if (::rename(segment.c_str(), file.c_str()) == 0) {
                free_.push_back(file);
                return ok_status();
            }
        }
    }
    return discard(segment);
}

Status SegmentPool::discard(const fs::path &segment) {
    if (::unlink(segment.c_str()) != 0 && errno != ENOENT)
        return Error(ErrorKind::Runtime,
                     fmt::format("cannot delete a completed write-ahead log segment: {}", std::strerror(errno)),
                     segment.string(), "check free space and permissions of the --checkpoint directory");
    return ok_status();
}

} // namespace streamsubmit::runtime
