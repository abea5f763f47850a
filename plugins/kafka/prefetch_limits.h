// A consumer handle's prefetch queue limits, as librdkafka applies them.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstddef>
#include <cstdlib>

namespace streamsubmit::kafka {

struct PrefetchLimits {
    size_t records; // queued.min.messages
    size_t bytes;   // queued.max.messages.kbytes, in bytes

    // The handle's configuration, or librdkafka's defaults for a key it cannot read.
    static PrefetchLimits of(rd_kafka_t *rk) {
        const rd_kafka_conf_t *conf = rd_kafka_conf(rk);
        return {number(conf, "queued.min.messages", 100000), number(conf, "queued.max.messages.kbytes", 65536) * 1024};
    }

private:
    static size_t number(const rd_kafka_conf_t *conf, const char *key, size_t fallback) {
        char buf[64];
        size_t size = sizeof buf;
        if (!conf || rd_kafka_conf_get(conf, key, buf, &size) != RD_KAFKA_CONF_OK)
            return fallback;
        const long long v = std::atoll(buf);
        return v > 0 ? static_cast<size_t>(v) : fallback;
    }
};

} // namespace streamsubmit::kafka
