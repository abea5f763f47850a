// The bytes of a write-ahead log segment (the format is described in write_ahead_log.h): the
// header, the record frames, the block payloads, and the scan that reads a segment back.
#pragma once

#include "common/error.h"
#include "runtime/receiver/block.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace streamsubmit::runtime {

inline constexpr std::string_view kWalSegmentMagic{"SSWAL03\n", 8};
inline constexpr std::string_view kWalSegmentMagicV2{"SSWAL02\n", 8};
inline constexpr std::string_view kWalSegmentMagicV1{"SSWAL01\n", 8};
inline constexpr size_t kWalSegmentHeaderBytes = 44;

namespace wal {

inline constexpr size_t kFrameHeader = 8; // length + CRC

struct SegmentHeader {
    int64_t batch_id = -1;
    uint64_t nonce = 0;
    int64_t previous_batch = -1; // the segment the log wrote before this one, -1: none
    uint64_t previous_end = 0;   // where that segment's records end
};

// kWalSegmentHeaderBytes at `at`.
void encode_header_at(char *at, const SegmentHeader &header);
// Where the CRC32C of a segment's records starts: the CRC32C of its nonce (0 in format 2).
uint32_t nonce_seed(uint64_t nonce);
size_t encoded_size(const Block &block);
// The payload of one block, encoded_size(block) bytes at `at`.
void encode_block_at(char *at, int64_t batch_id, const Block &block);
// The frame header (kFrameHeader bytes) of `payload`, at `at`.
void frame_header_at(char *at, std::string_view payload, uint32_t seed);

// One segment file read back, before recovery decides what its end means.
struct SegmentScan {
    int format = 3;
    std::optional<SegmentHeader> header; // format 3: nullopt when cut short or not this batch's
    std::vector<Block> blocks;
    size_t end = 0;   // just past the last valid record (0: no valid header)
    size_t size = 0;  // the file's
    std::string stop; // why the records end before the file does
};

// Reads the records of `batch_id`'s segment `data` up to the first one that fails its check.
// Errors (ErrorKind::Usage): not a segment, format 1, a record that passes its check but does
// not decode or names another batch, and a failing record that a valid one follows.
Result<SegmentScan> scan_segment(std::string_view data, const std::filesystem::path &path, int64_t batch_id);

// ErrorKind::Usage naming the file and offset, with the fix.
Error corrupt(const std::filesystem::path &path, size_t offset, const std::string &why);

} // namespace wal
} // namespace streamsubmit::runtime
