#include "runtime/receiver/write_ahead_log.h"

#include "common/atomic_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <optional>
#include <sstream>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace streamsubmit::runtime {
namespace fs = std::filesystem;
using wal::kFrameHeader;
namespace {

constexpr size_t kKeptBuffer = 16u << 20; // the encoding buffer kept between appends

Error io_error(const std::string &what, const fs::path &path, int err) {
    return Error(ErrorKind::Runtime, fmt::format("{}: {}", what, std::strerror(err)), path.string(),
                 "check free space and permissions of the --checkpoint directory");
}

std::optional<int64_t> parse_segment_name(const std::string &name) {
    if (name.size() != 24 || !name.ends_with(".wal")) return std::nullopt;
    int64_t id = -1;
    const auto [ptr, err] = std::from_chars(name.data(), name.data() + 20, id);
    if (err != std::errc{} || ptr != name.data() + 20 || id < 0) return std::nullopt;
    return id;
}

Status write_all(int fd, std::string_view data, const fs::path &path) {
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return io_error("cannot write the write-ahead log", path, errno);
        done += static_cast<size_t>(n);
    }
    return ok_status();
}

Status truncate_file(const fs::path &path, size_t size) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return io_error("cannot open a write-ahead log segment to truncate it", path, errno);
    const int rc = ::ftruncate(fd, static_cast<off_t>(size)) == 0 ? ::fsync(fd) : -1;
    const int err = errno;
    ::close(fd);
    if (rc != 0) return io_error("cannot truncate a torn write-ahead log segment", path, err);
    return ok_status();
}

Result<std::string> read_whole(const fs::path &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return io_error("cannot read a write-ahead log segment", path, errno);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A segment's nonce: unique to each use of a file, so that no record a recycled file held
// before passes the new segment's checks. Random; without getrandom, the clock and the pid.
uint64_t new_nonce() {
    uint64_t nonce = 0;
    if (::getrandom(&nonce, sizeof nonce, GRND_NONBLOCK) == static_cast<ssize_t>(sizeof nonce)) return nonce;
    static std::atomic<uint64_t> counter{0};
    const auto now = static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
    return now ^ (static_cast<uint64_t>(::getpid()) << 40) ^ (counter++ * 0x9E3779B97F4A7C15ull);
}

// What recovery makes of where a segment's records end (`scans` in batch order, `i` this one).
// Only the segment written last may end early: a crash cut its tail, or, when the newest
// segment's header never reached the disk, the one before it is where the log stopped. An
// older segment's end is the one the next segment's header recorded.
Result<WalSegment> settle_segment(std::vector<wal::SegmentScan> &scans, size_t i, const fs::path &path, int64_t batch_id,
                                  std::vector<std::string> &notes) {
    wal::SegmentScan &scan = scans[i];
    WalSegment seg{batch_id, path, std::move(scan.blocks)};
    const wal::SegmentScan *next = i + 1 < scans.size() ? &scans[i + 1] : nullptr;
    if (scan.format == 3 && scan.header && next && next->header && next->header->previous_batch == batch_id) {
        if (scan.end != next->header->previous_end)
            return wal::corrupt(path, scan.end,
                                fmt::format("the records end here ({}), but the log wrote this segment up to offset {}",
                                            scan.stop.empty() ? "the end of the file" : scan.stop,
                                            next->header->previous_end));
        return seg; // what follows is the recycled file's old bytes
    }
    if (scan.end == scan.size) return seg;
    const bool written_last = !next || (i + 2 == scans.size() && next->format == 3 && !next->header);
    if (!written_last) return wal::corrupt(path, scan.end, scan.stop + " in a segment that is not the newest");
    // Format 2 files are never recycled: only a crash leaves bytes after their records.
    const char *cause = scan.format == 3 ? "a crash during a write, or the bytes a recycled segment held before"
                                         : "a crash during a write";
    notes.push_back(fmt::format("write-ahead log {}: torn tail at offset {} ({}), {} bytes truncated ({}; none was "
                                "committed)",
                                path.string(), scan.end, scan.stop, scan.size - scan.end, cause));
    if (auto st = truncate_file(path, scan.end); !st) return st.error();
    return seg;
}

} // namespace

std::string wal_segment_header(int64_t batch_id, uint64_t nonce, int64_t previous_batch, uint64_t previous_end) {
    std::string out(kWalSegmentHeaderBytes, '\0');
    wal::encode_header_at(out.data(), {batch_id, nonce, previous_batch, previous_end});
    return out;
}

std::string wal_encode_block(int64_t batch_id, const Block &block) {
    std::string out(wal::encoded_size(block), '\0');
    wal::encode_block_at(out.data(), batch_id, block);
    return out;
}

std::string wal_frame(std::string_view payload, uint64_t nonce) {
    std::string out(kFrameHeader, '\0');
    wal::frame_header_at(out.data(), payload, wal::nonce_seed(nonce));
    out += payload;
    return out;
}

std::string wal_frame_v2(std::string_view payload) {
    std::string out(kFrameHeader, '\0');
    wal::frame_header_at(out.data(), payload, 0);
    out += payload;
    return out;
}

Result<WriteAheadLog> WriteAheadLog::open(const fs::path &dir) {
    if (auto st = create_private_directory(dir); !st)
        return Error(ErrorKind::Runtime, "cannot create the write-ahead log directory: " + st.error().what, dir.string(),
                     "make the --checkpoint directory writable by this user, or choose another one");
    const fs::path probe = dir / ".probe";
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return Error(ErrorKind::Runtime, fmt::format("the write-ahead log directory is not writable: {}", std::strerror(errno)),
                     dir.string(), "make the --checkpoint directory writable by this user, or choose another one");
    ::close(fd);
    ::unlink(probe.c_str());
    auto lock = DirLock::acquire(dir, "write-ahead log directory");
    if (!lock) return lock.error();
    return WriteAheadLog(dir, std::move(*lock));
}

WriteAheadLog::WriteAheadLog(fs::path dir, DirLock lock)
    : dir_(std::move(dir)), lock_(std::move(lock)), pool_(std::make_unique<SegmentPool>(dir_)) {}

WriteAheadLog::WriteAheadLog(WriteAheadLog &&other) noexcept
    : dir_(std::move(other.dir_)), lock_(std::move(other.lock_)), pool_(std::move(other.pool_)),
      format2_segments_(std::move(other.format2_segments_)), fd_(std::exchange(other.fd_, -1)),
      fd_batch_(other.fd_batch_), fd_end_(other.fd_end_), fd_seed_(other.fd_seed_), unsynced_(other.unsynced_),
      last_batch_(other.last_batch_), last_end_(other.last_end_), buffer_(std::move(other.buffer_)),
      buffer_size_(std::exchange(other.buffer_size_, 0)), bytes_written_(other.bytes_written_) {}

WriteAheadLog &WriteAheadLog::operator=(WriteAheadLog &&other) noexcept {
    if (this != &other) {
        close_segment();
        dir_ = std::move(other.dir_);
        lock_ = std::move(other.lock_);
        pool_ = std::move(other.pool_);
        format2_segments_ = std::move(other.format2_segments_);
        fd_ = std::exchange(other.fd_, -1);
        fd_batch_ = other.fd_batch_;
        fd_end_ = other.fd_end_;
        fd_seed_ = other.fd_seed_;
        unsynced_ = other.unsynced_;
        last_batch_ = other.last_batch_;
        last_end_ = other.last_end_;
        buffer_ = std::move(other.buffer_);
        buffer_size_ = std::exchange(other.buffer_size_, 0);
        bytes_written_ = other.bytes_written_;
    }
    return *this;
}

WriteAheadLog::~WriteAheadLog() { close_segment(); }

void WriteAheadLog::close_segment() {
    if (fd_ >= 0) {
        ::close(fd_);
        last_batch_ = fd_batch_; // the next segment's header records where this one ends
        last_end_ = fd_end_;
    }
    fd_ = -1;
    fd_batch_ = -1;
    unsynced_ = false;
}

fs::path WriteAheadLog::segment_path(int64_t batch_id) const { return dir_ / fmt::format("{:020}.wal", batch_id); }

std::vector<int64_t> WriteAheadLog::segment_ids() const {
    std::vector<int64_t> ids;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(dir_, ec))
        if (const auto id = parse_segment_name(entry.path().filename().string())) ids.push_back(*id);
    std::sort(ids.begin(), ids.end());
    return ids;
}

Result<WalRecovery> WriteAheadLog::recover() {
    close_segment();
    last_batch_ = -1; // recovery may cut the segment a next header would name
    format2_segments_.clear();
    const auto ids = segment_ids();
    std::vector<wal::SegmentScan> scans;
    for (const int64_t id : ids) {
        const fs::path path = segment_path(id);
        auto data = read_whole(path);
        if (!data) return data.error();
        auto scan = wal::scan_segment(*data, path, id);
        if (!scan) return scan.error();
        if (scan->format == 2) format2_segments_.push_back(id);
        scans.push_back(std::move(*scan));
    }
    WalRecovery out;
    for (size_t i = 0; i < ids.size(); ++i) {
        auto seg = settle_segment(scans, i, segment_path(ids[i]), ids[i], out.notes);
        if (!seg) return seg.error();
        out.segments.push_back(std::move(*seg));
    }
    return out;
}

Status WriteAheadLog::append(int64_t batch_id, const Block &block) {
    if (auto st = write(batch_id, block); !st) return st;
    return sync();
}

Status WriteAheadLog::write(int64_t batch_id, const Block &block) {
    if (fd_batch_ != batch_id) {
        if (auto st = sync(); !st) return st; // the previous segment's records, before its fd goes
        close_segment();
        if (auto st = open_segment(batch_id); !st) return st;
    }
    // One buffer, reused: frame header and payload encoded in place, written with one call.
    const size_t payload = wal::encoded_size(block);
    const size_t size = kFrameHeader + payload;
    if (buffer_size_ < size) {
        buffer_.reset(new char[size]);
        buffer_size_ = size;
    }
    wal::encode_block_at(buffer_.get() + kFrameHeader, batch_id, block);
    wal::frame_header_at(buffer_.get(), std::string_view(buffer_.get() + kFrameHeader, payload), fd_seed_);
    unsynced_ = true;
    const Status written = write_all(fd_, std::string_view(buffer_.get(), size), segment_path(batch_id));
    if (written) {
        bytes_written_ += static_cast<int64_t>(size);
        fd_end_ += size;
    }
    if (buffer_size_ > kKeptBuffer) { // a large block's buffer is not kept between appends
        buffer_.reset();
        buffer_size_ = 0;
    }
    return written;
}

// A new segment: a recycled file when the pool has one (written over from offset 0), else a
// new file; then its header, and its directory entry made durable.
Status WriteAheadLog::open_segment(int64_t batch_id) {
    const fs::path path = segment_path(batch_id);
    struct stat st{};
    if (::stat(path.c_str(), &st) == 0 && st.st_size > 0) return continue_segment(batch_id);
    int fd = pool_->take(path);
    if (fd < 0) fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return io_error("cannot create a write-ahead log segment", path, errno);
    fd_ = fd;
    fd_batch_ = batch_id;
    const wal::SegmentHeader header{batch_id, new_nonce(), last_batch_, last_end_};
    char bytes[kWalSegmentHeaderBytes];
    wal::encode_header_at(bytes, header);
    unsynced_ = true;
    if (auto written = write_all(fd_, std::string_view(bytes, sizeof bytes), path); !written) return written;
    fd_end_ = sizeof bytes;
    fd_seed_ = wal::nonce_seed(header.nonce);
    return fsync_directory(dir_);
}

// A segment that exists already (recovery read it; the log appends to it again): its records
// go on after its last valid one, checked with its nonce.
Status WriteAheadLog::continue_segment(int64_t batch_id) {
    const fs::path path = segment_path(batch_id);
    auto data = read_whole(path);
    if (!data) return data.error();
    auto scan = wal::scan_segment(*data, path, batch_id);
    if (!scan) return scan.error();
    if (scan->format != 3 || !scan->header)
        return Error(ErrorKind::Usage, "cannot append to a write-ahead log segment of an older format or without a valid header",
                     path.string(), "start the job once with the write-ahead log enabled: it replays and removes the segment");
    if (auto st = truncate_file(path, scan->end); !st) return st;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return io_error("cannot open a write-ahead log segment", path, errno);
    if (::lseek(fd, static_cast<off_t>(scan->end), SEEK_SET) < 0) {
        const int err = errno;
        ::close(fd);
        return io_error("cannot seek in a write-ahead log segment", path, err);
    }
    fd_ = fd;
    fd_batch_ = batch_id;
    fd_end_ = scan->end;
    fd_seed_ = wal::nonce_seed(scan->header->nonce);
    return ok_status();
}

Status WriteAheadLog::sync() {
    if (fd_ < 0 || !unsynced_) return ok_status();
    if (::fdatasync(fd_) != 0) return io_error("cannot fsync the write-ahead log", segment_path(fd_batch_), errno);
    unsynced_ = false;
    return ok_status();
}

Result<SegmentSync> WriteAheadLog::take_sync() {
    if (fd_ < 0 || !unsynced_) return SegmentSync();
    const int fd = ::fcntl(fd_, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return io_error("cannot duplicate the write-ahead log's descriptor", segment_path(fd_batch_), errno);
    unsynced_ = false;
    return SegmentSync(fd, segment_path(fd_batch_));
}

SegmentSync::SegmentSync(SegmentSync &&other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

SegmentSync &SegmentSync::operator=(SegmentSync &&other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        path_ = std::move(other.path_);
    }
    return *this;
}

SegmentSync::~SegmentSync() {
    if (fd_ >= 0) ::close(fd_);
}

Status SegmentSync::sync() {
    if (fd_ < 0) return ok_status();
    if (::fdatasync(fd_) != 0) return io_error("cannot fsync the write-ahead log", path_, errno);
    return ok_status();
}

Status WriteAheadLog::remove_through(int64_t batch_id) {
    close_through(batch_id);
    return delete_through(batch_id);
}

void WriteAheadLog::close_through(int64_t batch_id) {
    if (fd_batch_ >= 0 && fd_batch_ <= batch_id) close_segment();
}

Status WriteAheadLog::delete_through(int64_t batch_id) const {
    bool removed = false;
    for (const int64_t id : segment_ids()) {
        if (id > batch_id) break;
        const fs::path path = segment_path(id);
        // Format 2 cannot tell a recycled file's old records from its own: never recycled.
        const bool format2 = std::find(format2_segments_.begin(), format2_segments_.end(), id) != format2_segments_.end();
        if (auto st = format2 ? pool_->discard(path) : pool_->give(path, id); !st) return st;
        removed = true;
    }
    if (removed) return fsync_directory(dir_);
    return ok_status();
}

} // namespace streamsubmit::runtime
