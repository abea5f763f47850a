// The Kafka sink's options: its own keys (sink.kafka.* without the prefix), the job's brokers
// and group from the connector's keys when the sink's do not name them, and the checks of the
// sink against the job that a transactional producer needs (they fail create with
// SS_ERR_CONFIG, which the host reports as a usage error).
#pragma once

#include "kafka_sink.h"
#include "sink_support.h"

namespace streamsubmit::kafka {

sinks::SinkError parse_options(const sinks::AppParams &params, KafkaSinkOptions &options);

} // namespace streamsubmit::kafka
