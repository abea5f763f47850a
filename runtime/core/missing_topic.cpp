#include "runtime/core/missing_topic.h"

#include <fmt/format.h>

namespace streamsubmit::runtime {
namespace {

double seconds(std::chrono::milliseconds t) { return static_cast<double>(t.count()) / 1000; }

} // namespace

std::string missing_topic_warning(const std::string &topic, std::chrono::milliseconds limit) {
    return fmt::format("topic '{}' does not exist on the brokers; waiting up to {:g} s for it to return "
                       "(stream.kafka.missingTopicTimeout)",
                       topic, seconds(limit));
}

Error deleted_topic_error(const std::string &topic, std::chrono::milliseconds limit) {
    return Error(ErrorKind::Kafka,
                 fmt::format("topic '{}' was deleted while the job read it (missing for {:g} s)", topic, seconds(limit)),
                 topic,
                 "recreate the topic and restart, or set stream.failOnDataLoss=false to drop its partitions "
                 "and go on with the other topics");
}

std::string dropped_topic_warning(const std::string &topic) {
    return fmt::format("topic '{}' was deleted; dropping its partitions and reading the other topics "
                       "(stream.failOnDataLoss=false)",
                       topic);
}

Error every_topic_deleted_error() {
    return Error(ErrorKind::Kafka, "every topic of the job was deleted", "", "recreate the topics and restart");
}

} // namespace streamsubmit::runtime
