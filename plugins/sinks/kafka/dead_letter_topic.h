// Whether the job may write its dead-letter topic (stream.errors.deadletterqueue.topic),
// checked when the Kafka sink that writes it starts: a topic that is missing, or that the
// brokers' authorizer hides from the job, is exit 4 naming it before any batch runs. A topic
// the job may see but not write (an ACL denying Write alone) fails the first batch that
// rejects a record, when its dead letters are produced: Kafka answers "may I write" only then.
#pragma once

#include "sink_error.h"

#include <librdkafka/rdkafka.h>

#include <string>

namespace streamsubmit::kafka {

sinks::SinkError check_dead_letter_topic(rd_kafka_t *producer, const std::string &topic, int timeout_ms);

} // namespace streamsubmit::kafka
