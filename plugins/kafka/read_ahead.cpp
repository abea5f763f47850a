#include "read_ahead.h"

#include "prefetch_limits.h"

#include <cstring>
#include <utility>

namespace streamsubmit::kafka {

void ReadAhead::configure(rd_kafka_t *rk) {
    clear();
    // Half the queue's limits: a handle then holds at most 1.5 queues (the man page's budget).
    const PrefetchLimits limits = PrefetchLimits::of(rk);
    records_limit_ = limits.records / 2;
    bytes_limit_ = limits.bytes / 2;
}

int64_t ReadAhead::next_of(const char *topic, int32_t partition) const {
    for (const Position &p : assignment_)
        if (p.partition == partition && std::strcmp(p.topic.c_str(), topic) == 0)
            return p.next;
    return -1;
}

void ReadAhead::keep(rd_kafka_message_t *m) {
    if (!dropped_) {
        kept_bytes_ += m->len + m->key_len;
        if (kept_.size() < records_limit_ && kept_bytes_ <= bytes_limit_) {
            kept_.push_back(m);
            return;
        }
        drop(); // over the limits: free the memory now
    }
    rd_kafka_message_destroy(m);
}

void ReadAhead::drop() {
    for (rd_kafka_message_t *k : kept_)
        rd_kafka_message_destroy(k);
    kept_.clear();
    kept_bytes_ = 0;
    dropped_ = true;
}

std::vector<rd_kafka_message_t *> ReadAhead::take_kept() {
    kept_bytes_ = 0;
    return std::exchange(kept_, {});
}

void ReadAhead::assigned(std::vector<Position> assignment) {
    if (dropped_) {
        clear();
        return;
    }
    assignment_ = std::move(assignment);
}

void ReadAhead::clear() {
    drop();
    dropped_ = false;
    assignment_.clear();
}

} // namespace streamsubmit::kafka
