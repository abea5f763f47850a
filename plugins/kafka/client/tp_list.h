// RAII owner of an rd_kafka_topic_partition_list_t.
#pragma once

#include <librdkafka/rdkafka.h>

namespace streamsubmit::kafka {

class TpList {
public:
    explicit TpList(int capacity) : list_(rd_kafka_topic_partition_list_new(capacity > 0 ? capacity : 1)) {}
    explicit TpList(rd_kafka_topic_partition_list_t *adopt) : list_(adopt) {}
    ~TpList() {
        if (list_)
            rd_kafka_topic_partition_list_destroy(list_);
    }
    TpList(const TpList &) = delete;
    TpList &operator=(const TpList &) = delete;

    rd_kafka_topic_partition_t *add(const char *topic, int32_t partition, int64_t offset) {
        rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_add(list_, topic, partition);
        p->offset = offset;
        return p;
    }
    rd_kafka_topic_partition_list_t *get() const { return list_; }
    int size() const { return list_->cnt; }
    rd_kafka_topic_partition_t &operator[](int i) const { return list_->elems[i]; }

private:
    rd_kafka_topic_partition_list_t *list_;
};

} // namespace streamsubmit::kafka
