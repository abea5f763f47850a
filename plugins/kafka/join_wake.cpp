#include "join_wake.h"

namespace streamsubmit::kafka {

void JoinWake::after_empty_consume(rd_kafka_t *rk) {
    if (!waiting_)
        return;
    rd_kafka_topic_partition_list_t *assignment = nullptr;
    if (rd_kafka_assignment(rk, &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR && assignment) {
        waiting_ = assignment->cnt == 0;
        rd_kafka_topic_partition_list_destroy(assignment);
    }
}

} // namespace streamsubmit::kafka
