#include "runtime/receiver/wal_segment_format.h"

#include "common/crc32c.h"

#include <fmt/format.h>

#include <cstring>
#include <limits>
#include <optional>

namespace streamsubmit::runtime::wal {
namespace fs = std::filesystem;
namespace {

constexpr uint8_t kBlockRecord = 2;                  // formats 2 and 3; format 1 used 1
constexpr uint32_t kNullLength = 0xFFFFFFFFu;         // a null key or value
constexpr uint32_t kMaxPayload = 1u << 30;            // anything larger is not a length we wrote
constexpr size_t kMinPayload = 1 + 8 + 4 + 8 + 8 + 4; // an empty block
constexpr size_t kHeaderBytes = kWalSegmentHeaderBytes;
constexpr size_t kHeaderChecked = kHeaderBytes - 4;   // the bytes the header's CRC32C covers

// The format number of a segment that a later streamsubmit wrote ("SSWAL" NN "\n", NN > 03).
std::optional<int> newer_format(std::string_view magic) {
    const std::string_view prefix = kWalSegmentMagic.substr(0, 5);
    if (magic.size() != 8 || !magic.starts_with(prefix) || magic[7] != '\n') return std::nullopt;
    const char tens = magic[5], ones = magic[6];
    if (tens < '0' || tens > '9' || ones < '0' || ones > '9') return std::nullopt;
    const int format = (tens - '0') * 10 + (ones - '0');
    if (format <= 3) return std::nullopt;
    return format;
}

Error newer_format_segment(const fs::path &path, int format) {
    return Error(ErrorKind::Usage,
                 fmt::format("write-ahead log segment has format {}, written by a newer streamsubmit; this version "
                             "reads formats 2 and 3",
                             format),
                 path.string(),
                 "run the job with the streamsubmit version that wrote it (or a newer one) on the same --checkpoint "
                 "until its batches complete (e.g. with --until latest), then downgrade; nothing was changed");
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

uint32_t frame_crc(std::string_view data, size_t pos, uint32_t length, uint32_t seed) {
    return crc32c_extend(crc32c_extend(seed, data.data() + pos, 4), data.data() + pos + kFrameHeader, length);
}

// A whole record that passes its check starts at `pos`. With `batch_id` >= 0 (format 3) its
// payload must also begin as a block of that batch: that rules out nearly every offset before
// a CRC is computed, so scanning a recycled file's old bytes costs one pass.
bool valid_frame_at(std::string_view data, size_t pos, uint32_t seed, int64_t batch_id) {
    if (data.size() - pos < kFrameHeader) return false;
    const auto length = static_cast<uint32_t>(get(data, pos, 4));
    if (length < kMinPayload || length > data.size() - pos - kFrameHeader) return false;
    if (batch_id >= 0 && (get(data, pos + kFrameHeader, 1) != kBlockRecord ||
                          static_cast<int64_t>(get(data, pos + kFrameHeader + 1, 8)) != batch_id))
        return false;
    return frame_crc(data, pos, length, seed) == static_cast<uint32_t>(get(data, pos + 4, 4));
}

std::optional<SegmentHeader> decode_header(std::string_view data) {
    if (data.size() < kHeaderBytes || get(data, kHeaderChecked, 4) != crc32c(data.data(), kHeaderChecked))
        return std::nullopt;
    return SegmentHeader{static_cast<int64_t>(get(data, 8, 8)), get(data, 16, 8), static_cast<int64_t>(get(data, 24, 8)),
                         get(data, 32, 8)};
}

// The records from `pos` on, until the end of `data` or the first that fails its check.
Status scan_records(std::string_view data, size_t pos, uint32_t seed, int64_t filter, const fs::path &path,
                    int64_t batch_id, SegmentScan &scan) {
    while (pos < data.size()) {
        if (data.size() - pos < kFrameHeader) {
            scan.stop = "incomplete record header";
            break;
        }
        const auto length = static_cast<uint32_t>(get(data, pos, 4));
        if (length > kMaxPayload) {
            if (scan.format == 2) return corrupt(path, pos, fmt::format("impossible record length {}", length));
            scan.stop = fmt::format("impossible record length {}", length); // format 3: a recycled file's old bytes
            break;
        }
        if (length > data.size() - pos - kFrameHeader) {
            scan.stop = "incomplete record";
            break;
        }
        if (frame_crc(data, pos, length, seed) != static_cast<uint32_t>(get(data, pos + 4, 4))) {
            scan.stop = "record fails its CRC32C check";
            break;
        }
        int64_t recorded_batch = -1;
        auto block = decode_block(data.substr(pos + kFrameHeader, length), recorded_batch);
        if (!block) return corrupt(path, pos, "record has a valid CRC32C but cannot be decoded");
        if (recorded_batch != batch_id)
            return corrupt(path, pos, fmt::format("record belongs to batch {}, not to the segment's batch {}",
                                                  recorded_batch, batch_id));
        scan.blocks.push_back(std::move(*block));
        pos += kFrameHeader + length;
    }
    scan.end = pos;
    for (size_t q = pos + 1; q + kFrameHeader <= data.size(); ++q)
        if (valid_frame_at(data, q, seed, filter))
            return corrupt(path, pos, fmt::format("{}, but a valid record follows at offset {}", scan.stop, q));
    return ok_status();
}

} // namespace

Error corrupt(const fs::path &path, size_t offset, const std::string &why) {
    return Error(ErrorKind::Usage, "write-ahead log is corrupt: " + why, fmt::format("{}, offset {}", path.string(), offset),
                 "restore the --checkpoint directory from a backup; moving the segment aside loses its records "
                 "(their offsets are already committed to Kafka)");
}

uint32_t nonce_seed(uint64_t nonce) {
    char bytes[8];
    Writer(bytes).num(nonce, 8);
    return crc32c(bytes, sizeof bytes);
}

void encode_header_at(char *at, const SegmentHeader &header) {
    Writer w(at);
    w.bytes(kWalSegmentMagic);
    w.num(static_cast<uint64_t>(header.batch_id), 8);
    w.num(header.nonce, 8);
    w.num(static_cast<uint64_t>(header.previous_batch), 8);
    w.num(header.previous_end, 8);
    w.num(crc32c(at, kHeaderChecked), 4);
}

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

void frame_header_at(char *at, std::string_view payload, uint32_t seed) {
    Writer w(at);
    w.num(payload.size(), 4);
    w.num(crc32c_extend(crc32c_extend(seed, at, 4), payload.data(), payload.size()), 4);
}

Result<SegmentScan> scan_segment(std::string_view data, const fs::path &path, int64_t batch_id) {
    SegmentScan scan;
    scan.size = data.size();
    if (data.empty()) return scan; // created, then a crash before its header was written
    const std::string_view magic = data.substr(0, kWalSegmentMagic.size());
    if (data.size() < kWalSegmentMagic.size()) {
        if (!kWalSegmentMagic.starts_with(data) && !kWalSegmentMagicV2.starts_with(data))
            return corrupt(path, 0, "not a write-ahead log segment");
        scan.stop = "incomplete segment header";
        return scan;
    }
    if (magic == kWalSegmentMagicV1) return format1_segment(path);
    if (magic == kWalSegmentMagicV2) {
        scan.format = 2;
        if (auto st = scan_records(data, kWalSegmentMagicV2.size(), 0, -1, path, batch_id, scan); !st) return st.error();
        return scan;
    }
    if (auto newer = newer_format(magic)) return newer_format_segment(path, *newer);
    if (magic != kWalSegmentMagic) return corrupt(path, 0, "not a write-ahead log segment (bad magic)");
    scan.header = decode_header(data);
    if (!scan.header || scan.header->batch_id != batch_id) {
        // A crash before the header was on disk: cut short, or still a recycled file's old one.
        scan.stop = scan.header ? fmt::format("segment header of batch {}, from the file's earlier use", scan.header->batch_id)
                                : "incomplete segment header";
        scan.header.reset();
        return scan;
    }
    const Status st = scan_records(data, kHeaderBytes, nonce_seed(scan.header->nonce), batch_id, path, batch_id, scan);
    if (!st) return st.error();
    return scan;
}

} // namespace streamsubmit::runtime::wal
