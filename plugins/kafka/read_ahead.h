// What a direct-mode handle keeps from one read_ranges call to the next: its assignment, and the
// messages and end-of-partition events it consumed beyond the ranges it was reading.
//
// A new assignment makes librdkafka drop its prefetch queue (a version barrier) and fetch the
// partitions again from the new offsets: every batch threw away what the fetcher had read ahead
// while the application handled the previous batch, and then waited for a fetch round trip.
// Batches normally start where the previous one ended, so the handle keeps its assignment
// instead: what a read consumed past its ranges' ends is kept here for the next read, and what
// the fetcher prefetched meanwhile stays in librdkafka's queue. Nothing else changes: the next
// read takes the kept messages first, in the order they came, with the same per-offset checks.
//
// At most half a prefetch queue's worth is kept (half of queued.min.messages records and of
// queued.max.messages.kbytes of keys and values, the handle's own limits): a range that ends long
// before the others of its read would otherwise keep its partition's records for as long as the
// others take. Beyond that, and after a failed read, everything kept is dropped and the next read
// assigns afresh, as every read did before.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace streamsubmit::kafka {

class ReadAhead {
public:
    // A partition of the assignment and the offset its next range must start at to continue it.
    struct Position {
        std::string topic;
        int32_t partition;
        int64_t next;
    };

    ReadAhead() = default;
    ReadAhead(const ReadAhead &) = delete;
    ReadAhead &operator=(const ReadAhead &) = delete;
    // The handle's owner calls clear() before destroying the handle; kept messages must not outlive it.
    ~ReadAhead() { clear(); }

    // Reads the handle's prefetch limits (after rd_kafka_new).
    void configure(rd_kafka_t *rk);

    // The partitions assigned by the last successful read; empty when the next read must assign.
    const std::vector<Position> &assignment() const { return assignment_; }
    // Where the partition's next range must start to continue the assignment; -1 when not assigned.
    int64_t next_of(const char *topic, int32_t partition) const;

    // Takes ownership of a message or event beyond the ranges being read. Past the limits it is
    // destroyed, with everything kept, and the next read assigns afresh.
    void keep(rd_kafka_message_t *m);
    // Destroys what is kept; the next read assigns afresh.
    void drop();
    // The kept messages in the order they were kept; the caller owns them.
    std::vector<rd_kafka_message_t *> take_kept();

    // After a read succeeded: the handle's assignment now, unless something was dropped.
    void assigned(std::vector<Position> assignment);
    // Destroys what is kept and forgets the assignment: the next read assigns afresh.
    void clear();

private:
    size_t records_limit_ = 0;
    size_t bytes_limit_ = 0;
    size_t kept_bytes_ = 0;
    bool dropped_ = false;
    std::vector<rd_kafka_message_t *> kept_;
    std::vector<Position> assignment_;
};

} // namespace streamsubmit::kafka
