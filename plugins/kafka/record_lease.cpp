#include "record_lease.h"

namespace streamsubmit::kafka {

ss_record_lease *retain(Delivery &delivery) {
    if (delivery.thread != std::this_thread::get_id())
        return nullptr;
    if (!delivery.lease) {
        auto *lease = new ss_record_lease;
        lease->messages.assign(delivery.messages, delivery.messages + delivery.count);
        delivery.lease = lease;
    }
    delivery.lease->refs.fetch_add(1, std::memory_order_relaxed);
    return delivery.lease;
}

void release(ss_record_lease *lease) {
    if (!lease || lease->refs.fetch_sub(1, std::memory_order_acq_rel) != 1)
        return;
    for (rd_kafka_message_t *m : lease->messages)
        rd_kafka_message_destroy(m);
    delete lease;
}

void finish(Delivery &delivery) {
    if (delivery.lease) {
        release(delivery.lease);
        return;
    }
    for (size_t i = 0; i < delivery.count; ++i)
        rd_kafka_message_destroy(delivery.messages[i]);
}

} // namespace streamsubmit::kafka
