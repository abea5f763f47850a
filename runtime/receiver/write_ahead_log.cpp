#include "runtime/receiver/write_ahead_log.h"

#include "common/atomic_file.h"
#include "common/crc32c.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <unistd.h>
#include <utility>

namespace streamsubmit::runtime {
namespace fs = std::filesystem;
namespace {

constexpr uint8_t kBlockRecord = 2;                  // format 2; format 1 used 1
constexpr uint32_t kNullLength = 0xFFFFFFFFu;         // a null key or value
constexpr size_t kFrameHeader = 8;                    // length + CRC
constexpr uint32_t kMaxPayload = 1u << 30;            // anything larger is not a length we wrote
constexpr size_t kMinPayload = 1 + 8 + 4 + 8 + 8 + 4; // an empty block
constexpr size_t kKeptBuffer = 16u << 20;             // the encoding buffer kept between appends

Error io_error(const std::string &what, const fs::path &path, int err) {
    return Error(ErrorKind::Runtime, fmt::format("{}: {}", what, std::strerror(err)), path.string(),
                 "check free space and permissions of the --checkpoint directory");
}

Error corrupt(const fs::path &path, size_t offset, const std::string &why) {
    return Error(ErrorKind::Usage, "write-ahead log is corrupt: " + why, fmt::format("{}, offset {}", path.string(), offset),
                 "restore the --checkpoint directory from a backup; moving the segment aside loses its records "
                 "(their offsets are already committed to Kafka)");
}

// Format 1 (before headers, timestamp types and null values) cannot tell a tombstone from
// an empty value: replaying it would misread records, so it is refused.
Error format1_segment(const fs::path &path) {
    return Error(ErrorKind::Usage,
                 "write-ahead log segment has format 1 (written by an older streamsubmit), which does not record "
                 "headers, timestamp types or null values; replaying it would change records",
                 path.string(),
                 "run the job once more with the streamsubmit version that wrote it, on the same --checkpoint, until "
                 "the batch completes and the segment is deleted (e.g. with --until latest), then upgrade");
}

// Little-endian decoding, whatever the host.
uint64_t get(std::string_view in, size_t pos, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(in[pos + i])) << (8 * i);
    return v;
}

class Reader {
public:
    explicit Reader(std::string_view in) : in_(in) {}
    bool ok() const { return ok_; }
    bool done() const { return pos_ == in_.size(); }
    uint64_t num(int bytes) {
        if (!need(static_cast<size_t>(bytes))) return 0;
        const uint64_t v = get(in_, pos_, bytes);
        pos_ += static_cast<size_t>(bytes);
        return v;
    }
    std::string_view bytes(size_t n) {
        if (!need(n)) return {};
        const std::string_view s = in_.substr(pos_, n);
        pos_ += n;
        return s;
    }

private:
    bool need(size_t n) {
        if (!ok_ || in_.size() - pos_ < n) ok_ = false;
        return ok_;
    }
    std::string_view in_;
    size_t pos_ = 0;
    bool ok_ = true;
};

std::optional<Block> decode_block(std::string_view payload, int64_t &batch_id) {
    Reader r(payload);
    if (r.num(1) != kBlockRecord) return std::nullopt;
    batch_id = static_cast<int64_t>(r.num(8));
    Block b;
    b.receiver = static_cast<int>(r.num(4));
    b.seq = static_cast<int64_t>(r.num(8));
    b.time_ms = static_cast<int64_t>(r.num(8));
    const uint64_t count = r.num(4);
    if (!r.ok() || count > payload.size()) return std::nullopt;
    for (uint64_t i = 0; i < count && r.ok(); ++i) {
        const std::string_view topic = r.bytes(r.num(2));
        const auto partition = static_cast<int32_t>(r.num(4));
        RecordView v;
        v.offset = static_cast<int64_t>(r.num(8));
        v.timestamp_ms = static_cast<int64_t>(r.num(8));
        v.timestamp_type = static_cast<int32_t>(r.num(1));
        if (const auto key_len = static_cast<uint32_t>(r.num(4)); key_len != kNullLength) v.key = r.bytes(key_len);
        if (const auto value_len = static_cast<uint32_t>(r.num(4)); value_len != kNullLength) v.value = r.bytes(value_len);
        v.headers = r.bytes(r.num(4));
        // A Kafka offset is at least 0, and a block's range ends one past its last (so below INT64_MAX).
        const bool offset_ok = v.offset >= 0 && v.offset < std::numeric_limits<int64_t>::max() && partition >= 0;
        if (!r.ok() || !offset_ok || v.timestamp_type > SS_TIMESTAMP_LOG_APPEND_TIME ||
            !header_encoding::count_valid(v.headers))
            return std::nullopt;
        b.add_encoded(b.slot(topic, partition), v);
    }
    if (!r.ok() || !r.done()) return std::nullopt;
    return b;
}

uint32_t frame_crc(std::string_view data, size_t pos, uint32_t length) {
    return crc32c_extend(crc32c(data.data() + pos, 4), data.data() + pos + kFrameHeader, length);
}

// A whole, CRC-valid frame starts at `pos`.
bool valid_frame_at(std::string_view data, size_t pos) {
    if (data.size() - pos < kFrameHeader) return false;
    const auto length = static_cast<uint32_t>(get(data, pos, 4));
    if (length < kMinPayload || length > data.size() - pos - kFrameHeader) return false;
    return frame_crc(data, pos, length) == static_cast<uint32_t>(get(data, pos + 4, 4));
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

// Reads one segment. `newest`: the segment written last, the only one that may have a torn tail.
Result<WalSegment> read_segment(const fs::path &path, int64_t batch_id, bool newest, std::vector<std::string> &notes) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return io_error("cannot read a write-ahead log segment", path, errno);
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string data = ss.str();
    WalSegment seg{batch_id, path, {}};

    auto torn = [&](size_t pos, const std::string &why) -> Result<WalSegment> {
        if (!newest) return corrupt(path, pos, why + " in a segment that is not the newest");
        for (size_t q = pos + 1; q + kFrameHeader <= data.size(); ++q)
            if (valid_frame_at(data, q))
                return corrupt(path, pos, fmt::format("{}, but a valid record follows at offset {}", why, q));
        notes.push_back(fmt::format("write-ahead log {}: torn tail at offset {} ({}), {} bytes truncated "
                                    "(a crash during a write; the record was never committed)",
                                    path.string(), pos, why, data.size() - pos));
        if (auto st = truncate_file(path, pos); !st) return st.error();
        return std::move(seg);
    };

    if (data.empty()) return seg; // created, then a crash before its header was written
    if (data.size() < kWalSegmentMagic.size()) {
        if (!kWalSegmentMagic.starts_with(data)) return corrupt(path, 0, "not a write-ahead log segment");
        return torn(0, "incomplete segment header");
    }
    if (std::string_view(data).substr(0, kWalSegmentMagic.size()) == kWalSegmentMagicV1)
        return format1_segment(path);
    if (std::string_view(data).substr(0, kWalSegmentMagic.size()) != kWalSegmentMagic)
        return corrupt(path, 0, "not a write-ahead log segment (bad magic)");
    size_t pos = kWalSegmentMagic.size();
    while (pos < data.size()) {
        if (data.size() - pos < kFrameHeader) return torn(pos, "incomplete record header");
        const auto length = static_cast<uint32_t>(get(data, pos, 4));
        if (length > kMaxPayload) return corrupt(path, pos, fmt::format("impossible record length {}", length));
        if (length > data.size() - pos - kFrameHeader) return torn(pos, "incomplete record");
        if (frame_crc(data, pos, length) != static_cast<uint32_t>(get(data, pos + 4, 4)))
            return torn(pos, "record fails its CRC32C check");
        int64_t recorded_batch = -1;
        auto block = decode_block(std::string_view(data).substr(pos + kFrameHeader, length), recorded_batch);
        if (!block) return corrupt(path, pos, "record has a valid CRC32C but cannot be decoded");
        if (recorded_batch != batch_id)
            return corrupt(path, pos, fmt::format("record belongs to batch {}, not to the segment's batch {}",
                                                  recorded_batch, batch_id));
        seg.blocks.push_back(std::move(*block));
        pos += kFrameHeader + length;
    }
    return seg;
}

} // namespace

namespace {

// Writes little-endian integers at a cursor into a buffer sized beforehand.
class Writer {
public:
    explicit Writer(char *at) : at_(at) {}
    void num(uint64_t v, int bytes) {
        for (int i = 0; i < bytes; ++i) *at_++ = static_cast<char>((v >> (8 * i)) & 0xFFu);
    }
    void bytes(std::string_view s) {
        if (!s.empty()) std::memcpy(at_, s.data(), s.size());
        at_ += s.size();
    }

private:
    char *at_;
};

size_t encoded_size(const Block &block) {
    size_t size = kMinPayload;
    for (const auto &p : block.partitions()) size += static_cast<size_t>(p.records) * (35 + p.tp.topic.size());
    return size + static_cast<size_t>(block.payload_bytes()) + block.header_bytes();
}

// The payload of one block, written at `at` (encoded_size(block) bytes).
void encode_block_at(char *at, int64_t batch_id, const Block &block) {
    Writer w(at);
    w.num(kBlockRecord, 1);
    w.num(static_cast<uint64_t>(batch_id), 8);
    w.num(static_cast<uint64_t>(block.receiver), 4);
    w.num(static_cast<uint64_t>(block.seq), 8);
    w.num(static_cast<uint64_t>(block.time_ms), 8);
    w.num(block.size(), 4);
    for (size_t i = 0; i < block.size(); ++i) {
        const RecordView r = block.record(i);
        w.num(r.tp->topic.size(), 2);
        w.bytes(r.tp->topic);
        w.num(static_cast<uint32_t>(r.tp->partition), 4);
        w.num(static_cast<uint64_t>(r.offset), 8);
        w.num(static_cast<uint64_t>(r.timestamp_ms), 8);
        w.num(static_cast<uint64_t>(r.timestamp_type), 1);
        w.num(r.key ? r.key->size() : kNullLength, 4);
        if (r.key) w.bytes(*r.key);
        w.num(r.value ? r.value->size() : kNullLength, 4);
        if (r.value) w.bytes(*r.value);
        w.num(r.headers.size(), 4);
        w.bytes(r.headers);
    }
}

void frame_header_at(char *at, std::string_view payload) {
    Writer w(at);
    w.num(payload.size(), 4);
    w.num(crc32c_extend(crc32c(at, 4), payload.data(), payload.size()), 4);
}

} // namespace

std::string wal_encode_block(int64_t batch_id, const Block &block) {
    std::string out(encoded_size(block), '\0');
    encode_block_at(out.data(), batch_id, block);
    return out;
}

std::string wal_frame(std::string_view payload) {
    std::string out(kFrameHeader, '\0');
    frame_header_at(out.data(), payload);
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

WriteAheadLog::WriteAheadLog(WriteAheadLog &&other) noexcept
    : dir_(std::move(other.dir_)), lock_(std::move(other.lock_)), fd_(std::exchange(other.fd_, -1)), fd_batch_(other.fd_batch_), unsynced_(other.unsynced_),
      buffer_(std::move(other.buffer_)), buffer_size_(std::exchange(other.buffer_size_, 0)) {}

WriteAheadLog &WriteAheadLog::operator=(WriteAheadLog &&other) noexcept {
    if (this != &other) {
        close_segment();
        dir_ = std::move(other.dir_);
        lock_ = std::move(other.lock_);
        fd_ = std::exchange(other.fd_, -1);
        fd_batch_ = other.fd_batch_;
        unsynced_ = other.unsynced_;
        buffer_ = std::move(other.buffer_);
        buffer_size_ = std::exchange(other.buffer_size_, 0);
    }
    return *this;
}

WriteAheadLog::~WriteAheadLog() { close_segment(); }

void WriteAheadLog::close_segment() {
    if (fd_ >= 0) ::close(fd_);
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
    WalRecovery out;
    const auto ids = segment_ids();
    for (size_t i = 0; i < ids.size(); ++i) {
        auto seg = read_segment(segment_path(ids[i]), ids[i], i + 1 == ids.size(), out.notes);
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
    const fs::path path = segment_path(batch_id);
    if (fd_batch_ != batch_id) {
        if (auto st = sync(); !st) return st; // the previous segment's records, before its fd goes
        close_segment();
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0) return io_error("cannot create a write-ahead log segment", path, errno);
        fd_ = fd;
        fd_batch_ = batch_id;
        const off_t size = ::lseek(fd, 0, SEEK_END);
        if (size == 0) {
            if (auto st = write_all(fd_, kWalSegmentMagic, path); !st) return st;
            unsynced_ = true;
            if (auto st = fsync_directory(dir_); !st) return st;
        }
    }
    // One buffer, reused: frame header and payload encoded in place, written with one call.
    const size_t payload = encoded_size(block);
    const size_t size = kFrameHeader + payload;
    if (buffer_size_ < size) {
        buffer_.reset(new char[size]);
        buffer_size_ = size;
    }
    encode_block_at(buffer_.get() + kFrameHeader, batch_id, block);
    frame_header_at(buffer_.get(), std::string_view(buffer_.get() + kFrameHeader, payload));
    unsynced_ = true;
    const Status written = write_all(fd_, std::string_view(buffer_.get(), size), path);
    if (written) bytes_written_ += static_cast<int64_t>(size);
    if (buffer_size_ > kKeptBuffer) { // a large block's buffer is not kept between appends
        buffer_.reset();
        buffer_size_ = 0;
    }
    return written;
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
        if (::unlink(path.c_str()) != 0 && errno != ENOENT)
            return io_error("cannot delete a completed write-ahead log segment", path, errno);
        removed = true;
    }
    if (removed) return fsync_directory(dir_);
    return ok_status();
}

} // namespace streamsubmit::runtime
