// The Kafka sink's application table and descriptor (streamsubmit-sink-kafka.so, --sink kafka).
// Every entry point turns exceptions into SS_ERR_INTERNAL: nothing C++ crosses the ABI.
#include "../../sinks/app_guard.h"
#include "../errors.h"
#include "kafka_sink.h"

#include <utility>
#include <string>
#include <string_view>

using streamsubmit::kafka::KafkaSink;
using streamsubmit::kafka::KafkaSinkOptions;
using streamsubmit::kafka::set_error;

namespace {

KafkaSink *impl(ss_app *app) { return reinterpret_cast<KafkaSink *>(app); }

template <class F>
ss_status guarded(ss_error *err, F &&f) noexcept {
    return streamsubmit::sinks::guarded("kafka sink", err, std::forward<F>(f));
}

// sink.kafka.* keys arrive without their prefix; the host adds bootstrap.servers, group.id and
// group.instance.id from kafka.* when they are not given here.
ss_status parse_options(const ss_app_create_params &params, KafkaSinkOptions &o, ss_error *err) {
    std::string instance; // kafka.group.instance.id: one transactional.id per instance of a group-mode job
    for (size_t i = 0; i < params.conf_count; ++i) {
        const std::string key = params.conf[i].key ? params.conf[i].key : "";
        const std::string value = params.conf[i].value ? params.conf[i].value : "";
        if (key == "topic") {
            o.topic = value;
        } else if (key == "format") {
            if (value != "mirror" && value != "json")
                return set_error(err, SS_ERR_CONFIG, "sink.kafka.format=" + value + " is not one of mirror, json");
            o.json = value == "json";
        } else if (key == "transactional") {
            o.transactional = value == "true";
        } else if (key == "transactional.id") {
            o.transactional_id = value;
        } else if (key == "group.id") {
            o.group_id = value;
        } else if (key == "group.instance.id") {
            instance = value;
        } else if (key == "transaction.timeout.ms") {
            o.producer_conf.emplace_back(key, value);
        } else if (key == "bootstrap.servers") {
            o.producer_conf.emplace_back(key, value);
        }
    }
    if (o.topic.empty())
        return set_error(err, SS_ERR_CONFIG, "the kafka sink needs sink.kafka.topic (--conf sink.kafka.topic=NAME)");
    // The same id on restart fences the previous incarnation; instances of one group-mode job
    // need one id each (sink.kafka.transactional.id).
    if (o.transactional_id.empty())
        o.transactional_id = "streamsubmit-" + (o.group_id.empty() ? std::string("sink") : o.group_id) + "-" + o.topic +
                             (instance.empty() ? "" : "-" + instance);
    return SS_OK;
}

ss_app *app_create(const ss_app_create_params *params, ss_error *err) {
    ss_app *app = nullptr;
    guarded(err, [&] {
        if (!params || params->struct_size < sizeof(ss_app_create_params))
            return set_error(err, SS_ERR_INTERNAL, "kafka sink: ss_app_create_params is missing or too small");
        KafkaSinkOptions options;
        if (ss_status st = parse_options(*params, options, err); st != SS_OK)
            return st;
        auto sink = KafkaSink::create(std::move(options), err);
        if (!sink)
            return err ? err->status : SS_ERR_INTERNAL;
        app = reinterpret_cast<ss_app *>(sink.release());
        return SS_OK;
    });
    return app;
}

void app_destroy(ss_app *app) {
    try {
        delete impl(app);
    } catch (...) {
    }
}

ss_status app_process(ss_app *app, const ss_batch *, const ss_offset_range *, const ss_record *records, size_t count,
                      ss_error *err) {
    return guarded(err, [&] { return impl(app)->process(records, count, err); });
}

ss_status app_commit(ss_app *app, const ss_batch *batch, ss_error *err) {
    return guarded(err, [&] { return impl(app)->commit(*batch, err); });
}

void app_abort(ss_app *app, const ss_batch *) {
    try {
        impl(app)->abort();
    } catch (...) {
    }
}

ss_status app_recover(ss_app *app, ss_topic_partition *positions, size_t count, size_t position_size, ss_error *err) {
    return guarded(err, [&] { return impl(app)->recover(positions, count, position_size, err); });
}

const ss_application_api kApplicationApi = {
    sizeof(ss_application_api), app_create, app_destroy, app_process, nullptr, app_commit, app_abort, app_recover,
};

} // namespace

STREAMSUBMIT_PLUGIN("sink-kafka", "0.1.0",
                    "kafka sink: each batch's records produced to a topic, one transaction per batch with its offsets",
                    nullptr, nullptr, &kApplicationApi)
