#include "kafka_sink_options.h"

#include <charconv>
#include <string>
#include <string_view>

namespace streamsubmit::kafka {
namespace {

using sinks::AppParams;
using sinks::SinkError;

SinkError usage(const std::string &what, const std::string &key, const std::string &hint) {
    return {SS_ERR_CONFIG, what + " (" + key + ")", hint};
}

// The sink's own key, else the job's connector key of the same name: the sink writes to the
// job's brokers and commits to the job's group unless told otherwise.
std::string own_or_job(const AppParams &params, std::string_view key) {
    if (const auto v = params.value(key); v && !v->empty()) return std::string(*v);
    if (const auto v = params.source_value(key)) return std::string(*v);
    return {};
}

// A transaction open longer than transaction.timeout.ms is aborted by the broker: every batch
// would fail. A batch's transaction lasts at least one batch interval when the job keeps up.
SinkError check_against_job(const AppParams &params, const KafkaSinkOptions &o, const std::string &instance,
                            bool own_transactional_id, int64_t timeout_ms) {
    if (!o.transactional) return {};
    // Instances sharing one transactional.id would fence each other at every start.
    if (params.group_coordinated && instance.empty() && !own_transactional_id)
        return usage("a transactional Kafka sink in group mode needs one transactional.id per instance",
                     "sink.kafka.transactional",
                     "give each instance its own --conf kafka.group.instance.id=NAME (static membership; the "
                     "transactional.id is derived from it) or --conf sink.kafka.transactional.id=ID");
    const int64_t interval_ms = params.batch_interval_ms;
    if (interval_ms <= 0 || timeout_ms > 2 * interval_ms) return {}; // a host that does not say: nothing to check
    return usage("sink.kafka.transaction.timeout.ms (" + std::to_string(timeout_ms) +
                     " ms) is not more than twice the batch interval (" + std::to_string(interval_ms) +
                     " ms): the brokers would abort batches still being written",
                 "sink.kafka.transaction.timeout.ms",
                 "raise it above " + std::to_string(2 * interval_ms) +
                     " ms (the broker's transaction.max.timeout.ms allows up to 15 min by default) or shorten "
                     "--batch-interval");
}

} // namespace

SinkError parse_options(const AppParams &params, KafkaSinkOptions &o) {
    int64_t timeout_ms = 60'000; // the key's default, for a host that does not fill defaults in
    for (const auto &[key, value] : params.conf) {
        if (key == "topic") {
            o.topic = value;
        } else if (key == "format") {
            if (value != "mirror" && value != "json")
                return {SS_ERR_CONFIG, "sink.kafka.format=" + value + " is not one of mirror, json"};
            o.json = value == "json";
        } else if (key == "transactional") {
            o.transactional = value == "true";
        } else if (key == "transactional.id") {
            o.transactional_id = value;
        } else if (key == "transaction.timeout.ms") {
            const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), timeout_ms);
            if (ec != std::errc{} || end != value.data() + value.size())
                return {SS_ERR_CONFIG, "sink.kafka.transaction.timeout.ms=" + value + " is not a number"};
            o.producer_conf.emplace_back(key, value);
        }
    }
    if (const std::string servers = own_or_job(params, "bootstrap.servers"); !servers.empty())
        o.producer_conf.emplace_back("bootstrap.servers", servers);
    o.group_id = own_or_job(params, "group.id");
    o.dead_letter_topic = params.dead_letter_topic;
    o.host = params.host;
    // kafka.group.instance.id: one transactional.id per instance of a group-mode job.
    const std::string instance = own_or_job(params, "group.instance.id");
    if (auto e = check_against_job(params, o, instance, !o.transactional_id.empty(), timeout_ms)) return e;
    if (o.topic.empty())
        return {SS_ERR_CONFIG, "the kafka sink needs sink.kafka.topic (--conf sink.kafka.topic=NAME)"};
    if (auto e = sinks::RecordDecoding::create(params, "kafka", o.json, o.decoding)) return e;
    // The same id on restart fences the previous incarnation; instances of one group-mode job
    // need one id each (sink.kafka.transactional.id).
    if (o.transactional_id.empty())
        o.transactional_id = "streamsubmit-" + (o.group_id.empty() ? std::string("sink") : o.group_id) + "-" + o.topic +
                             (instance.empty() ? "" : "-" + instance);
    return {};
}

} // namespace streamsubmit::kafka
