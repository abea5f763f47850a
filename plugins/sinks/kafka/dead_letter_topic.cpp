#include "dead_letter_topic.h"

#include "errors.h"

#include <memory>

namespace streamsubmit::kafka {
namespace {

// Whether `topic` is among the topics the brokers list to this client. Every topic is asked
// for: asking for one by name creates it on brokers that auto-create topics.
rd_kafka_resp_err_t listed(rd_kafka_t *producer, const std::string &topic, int timeout_ms, bool &found) {
    const rd_kafka_metadata_t *md = nullptr;
    if (rd_kafka_resp_err_t e = rd_kafka_metadata(producer, 1, nullptr, &md, timeout_ms))
        return e;
    found = false;
    for (int i = 0; i < md->topic_cnt && !found; ++i)
        found = topic == md->topics[i].topic && md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR;
    rd_kafka_metadata_destroy(md);
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

// Why a topic is not listed: the listing leaves out the topics the client may not describe,
// while DescribeConfigs of one topic answers TOPIC_AUTHORIZATION_FAILED for those (before it
// looks whether the topic exists) and UNKNOWN_TOPIC_OR_PART for a missing one. Creates nothing.
rd_kafka_resp_err_t why_unlisted(rd_kafka_t *producer, const std::string &topic, int timeout_ms) {
    using Queue = std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)>;
    using Options = std::unique_ptr<rd_kafka_AdminOptions_t, decltype(&rd_kafka_AdminOptions_destroy)>;
    using Resource = std::unique_ptr<rd_kafka_ConfigResource_t, decltype(&rd_kafka_ConfigResource_destroy)>;
    using Event = std::unique_ptr<rd_kafka_event_t, decltype(&rd_kafka_event_destroy)>;
    Queue queue(rd_kafka_queue_new(producer), rd_kafka_queue_destroy);
    Options options(rd_kafka_AdminOptions_new(producer, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS), rd_kafka_AdminOptions_destroy);
    char errstr[256];
    rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout_ms, errstr, sizeof errstr);
    Resource resource(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()),
                      rd_kafka_ConfigResource_destroy);
    rd_kafka_ConfigResource_t *resources[] = {resource.get()};
    rd_kafka_DescribeConfigs(producer, resources, 1, options.get(), queue.get());
    Event event(rd_kafka_queue_poll(queue.get(), timeout_ms + 1000), rd_kafka_event_destroy);
    if (!event)
        return RD_KAFKA_RESP_ERR__TIMED_OUT;
    if (rd_kafka_resp_err_t e = rd_kafka_event_error(event.get()))
        return e;
    size_t count = 0;
    const rd_kafka_ConfigResource_t **answers =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event.get()), &count);
    return count == 1 ? rd_kafka_ConfigResource_error(answers[0]) : RD_KAFKA_RESP_ERR__BAD_MSG;
}

} // namespace

sinks::SinkError check_dead_letter_topic(rd_kafka_t *producer, const std::string &topic, int timeout_ms) {
    bool found = false;
    if (rd_kafka_resp_err_t e = listed(producer, topic, timeout_ms, found))
        return {is_transport_error(e) ? SS_ERR_UNREACHABLE : SS_ERR_BROKER,
                "kafka sink: cannot list the topics to check the dead-letter topic " + topic + ": " +
                    rd_kafka_err2str(e)};
    if (found)
        return {};
    const rd_kafka_resp_err_t why = why_unlisted(producer, topic, timeout_ms);
    if (why == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
        return {SS_ERR_AUTHENTICATION,
                "the job may not use the dead-letter topic " + topic + ": " + rd_kafka_err2str(why),
                "ask the cluster's administrators for Describe and Write on topic " + topic +
                    " (kafka-acls.sh --add --allow-principal ... --operation Write --topic " + topic +
                    "), or correct --conf stream.errors.deadletterqueue.topic"};
    return {SS_ERR_UNKNOWN_TOPIC, "the dead-letter topic " + topic + " does not exist",
            "create it (kafka-topics.sh --create --topic " + topic +
                ") or correct --conf stream.errors.deadletterqueue.topic"};
}

} // namespace streamsubmit::kafka
