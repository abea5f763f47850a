// A topic the brokers no longer know, in both modes: how long the job waits for it
// (stream.kafka.missingTopicTimeout; a restarting broker does not know its topics for a few
// seconds) and what it says when it starts waiting, ends the job, or drops the topic.
#pragma once

#include "common/error.h"

#include <chrono>
#include <string>

namespace streamsubmit::runtime {

std::string missing_topic_warning(const std::string &topic, std::chrono::milliseconds limit);
// Exit 4: stream.failOnDataLoss=true (the default).
Error deleted_topic_error(const std::string &topic, std::chrono::milliseconds limit);
// stream.failOnDataLoss=false: the job goes on with its other topics.
std::string dropped_topic_warning(const std::string &topic);
// stream.failOnDataLoss=false, and no topic is left: exit 4.
Error every_topic_deleted_error();

} // namespace streamsubmit::runtime
