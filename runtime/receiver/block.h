// Receiver mode's unit of storage: the records one receiver thread got during one
// block interval (stream.blockInterval), kept whole (key, value, position) because
// once its offsets are committed Kafka will not deliver them again.
//
// Layout, for speed and a known memory cost: key, value and header bytes are copied once
// into the block's arena (librdkafka's buffers are only valid during the poll callback); a
// record is a fixed 40-byte entry pointing into it; topic names are stored once per
// partition, with per-partition totals kept as records arrive, so reports, commits and
// positions never walk the records. Large values are not copied where the connector can
// keep them (ABI 2.5): the block holds a lease on the delivery and points into it.
#pragma once

#include "runtime/core/offset_range.h"
#include "runtime/receiver/chunked_array.h"
#include "runtime/plugin/record_lease.h"
#include "runtime/receiver/record_arena.h"
#include "streamsubmit/plugin.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace streamsubmit::runtime {

struct ReceivedHeader {
    std::string name;
    std::optional<std::string> value; // nullopt: Kafka's null header value (not an empty one)

    bool operator==(const ReceivedHeader &) const = default;
};

// One record as a value (tests, recovery and debugging; the hot path uses RecordView).
struct ReceivedRecord {
    TopicPartition tp;
    int64_t offset = 0;
    int64_t timestamp_ms = -1;
    std::optional<std::string> key;   // nullopt: the record has no key (not the same as an empty one)
    std::optional<std::string> value; // nullopt: a tombstone (not the same as an empty value)
    int32_t timestamp_type = SS_TIMESTAMP_NOT_AVAILABLE;
    std::vector<ReceivedHeader> headers;

    bool operator==(const ReceivedRecord &) const = default;
};

// A record's headers as a block stores them (and the write-ahead log writes them): nothing
// when the record has none, else, little endian, u32 count then per header in the record's
// order:  u32 name length | name bytes | NUL | u32 value length, 0xFFFFFFFF for null | value bytes
// The NUL lets the host hand names to the C ABI in place.
namespace header_encoding {
inline constexpr uint32_t kNullValue = 0xFFFFFFFFu;
// Bytes `count` headers (stride `stride`) take encoded.
size_t encoded_size(const ss_header *headers, size_t count, size_t stride);
// Encodes them at `at` (encoded_size bytes).
void encode(char *at, const ss_header *headers, size_t count, size_t stride);
// The number of headers in an encoded run, or nullopt if `encoded` is not a valid one
// (untrusted input: the write-ahead log).
std::optional<size_t> count_valid(std::string_view encoded);
// The count of a valid, non-empty run.
uint32_t count(std::string_view encoded);
// Decodes a valid run into `out` (count() entries).
void decode(std::string_view encoded, ss_header *out);
} // namespace header_encoding

// A record of a block, pointing into it; valid as long as the block.
struct RecordView {
    const TopicPartition *tp = nullptr;
    int64_t offset = 0;
    int64_t timestamp_ms = -1;
    int32_t timestamp_type = SS_TIMESTAMP_NOT_AVAILABLE;
    std::optional<std::string_view> key;   // nullopt: no key
    std::optional<std::string_view> value; // nullopt: a tombstone
    std::string_view headers;              // header_encoding; empty: no headers
};

// What a block holds of one partition.
struct PartitionSummary {
    TopicPartition tp;
    int64_t first = 0; // lowest offset
    int64_t next = 0;  // highest offset + 1: what to commit
    int64_t records = 0;
    int64_t bytes = 0; // key and value bytes, what reports count as "bytes"
    int64_t last_timestamp_ms = -1; // the timestamp of the record at next - 1 (-1: none given)
};

class Block {
public:
    int receiver = 0;    // index of the receiver thread that made it
    int64_t seq = 0;     // per receiver, increasing
    int64_t time_ms = 0; // epoch ms at which it was sealed

    static constexpr size_t kEntryBytes = 40; // what a record costs beyond its key and value
    // Deliveries whose values average this much are kept, not copied. Keeping a record keeps
    // librdkafka's message for it too, which would triple what a 100-byte record costs, while
    // a copy of a few KiB costs more CPU than the message costs memory (bench/PROFILES.md).
    // A kept record counts kKeptMessageBytes beyond its value: librdkafka 2.0.2's message for a
    // fetched record is a 296-byte rd_kafka_op_t (calloc'd), and the fetch buffer it keeps
    // also holds the record's framing (varints, the batch header's share).
    static constexpr size_t kKeepValueBytes = 2048;
    static constexpr size_t kKeptMessageBytes = 512;
    static bool worth_keeping(const ss_record *records, size_t count);

    Block() = default;
    explicit Block(std::shared_ptr<ChunkPool> pool, size_t expected_records = 0);
    Block(Block &&) noexcept = default;
    Block &operator=(Block &&) noexcept = default;

    // Copies a record (ABI 1.1 layout: key, value, headers; NULL key or value is Kafka's
    // null) into the block.
    void add(const ss_record &record);
    void add(const ReceivedRecord &record);
    // The same, for a run of `count` records of the partition `slot` (from slot()): the hot
    // path looks a partition up and updates its totals once per run of its records (a poll
    // brings runs of one partition), not once per record.
    uint32_t slot(std::string_view topic, int32_t partition);
    void add_run(uint32_t slot, const ss_record *records, size_t count);
    // A record whose headers are already encoded (valid header_encoding): the write-ahead
    // log's replay.
    void add_encoded(uint32_t slot, const RecordView &record);
    // A record of a delivery the block holds a lease on (keep): its value is not copied.
    void keep(RecordLease lease);
    void add_kept_run(uint32_t slot, const ss_record *records, size_t count);

    size_t size() const { return records_.size(); }
    bool empty() const { return records_.empty(); }
    RecordView record(size_t i) const;
    // The index into partitions() of record i.
    uint32_t partition_index(size_t i) const { return records_[i].partition; }
    std::vector<ReceivedRecord> to_records() const;

    const std::vector<PartitionSummary> &partitions() const { return partitions_; }
    // Per partition, the next offset after the last record of the block: what to commit.
    OffsetMap next_offsets() const;
    int64_t payload_bytes() const;
    // Encoded header bytes of all records.
    size_t header_bytes() const { return header_bytes_; }
    // What the block costs in memory: arena chunks, record entries, partition table.
    size_t memory_bytes() const;

private:
    struct Entry {
        int64_t offset;
        int64_t timestamp_ms;
        const char *data;   // key bytes, value bytes, then encoded headers
        int32_t value_len;  // -1: tombstone
        int32_t key_len;    // -1: no key
        uint32_t partition; // index into partitions_
        uint32_t meta;      // header bytes (low 29 bits) | kValueKept | timestamp type << 30
    };
    static constexpr uint32_t kHeaderBytesMask = (1u << 29) - 1;
    // The value is in a leased delivery: `data` holds key, headers, then a pointer to the value.
    static constexpr uint32_t kValueKept = 1u << 29;
    // Copies key and value (or, with `keep_value`, only the value's address) into the arena and
    // counts the record; returns where the encoded headers go. One record at a time: replay and
    // kept values (add_run has a loop of its own for the records it copies).
    char *reserve(uint32_t slot, int64_t offset, int64_t timestamp_ms, int32_t timestamp_type, const void *key,
                  size_t key_len, const void *value, size_t value_len, size_t header_bytes, bool keep_value = false);
    // Adds records to partition `slot`'s totals: `count` records, `bytes` key and value bytes,
    // offsets from `first` to `last` (the timestamp `last_timestamp_ms`).
    void count(uint32_t slot, int64_t first, int64_t last, int64_t last_timestamp_ms, int64_t count, int64_t bytes);
    // The record's entry; `key_len` and `value_len` are -1 for a null key or value, `meta`
    // without the timestamp type.
    void append_entry(uint32_t slot, int64_t offset, int64_t timestamp_ms, int32_t timestamp_type, const char *data,
                      int32_t key_len, int32_t value_len, uint32_t meta);
    static_assert(sizeof(Entry) == kEntryBytes);

    ChunkedArray<Entry> records_;
    std::vector<PartitionSummary> partitions_;
    size_t header_bytes_ = 0;
    size_t kept_bytes_ = 0; // kept values and their messages (kKeptMessageBytes each)
    RecordArena arena_;
    std::vector<RecordLease> leases_;
};

} // namespace streamsubmit::runtime
