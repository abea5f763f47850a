// The Kafka sink's keys (sink.kafka.* without the prefix), application table and descriptor
// (streamsubmit-sink-kafka.so, --sink kafka). Every entry point turns exceptions into
// SS_ERR_INTERNAL: nothing C++ crosses the ABI.
#include "kafka_sink.h"
#include "kafka_sink_options.h"
#include "sink_entries.h"

#include <iterator>
#include <string>
#include <utility>

using streamsubmit::kafka::KafkaSink;
using streamsubmit::kafka::KafkaSinkOptions;
using namespace streamsubmit::sinks;

namespace {

constexpr ss_config_key kKeys[] = {
    {"topic", SS_KEY_STRING, nullptr, nullptr,
     "kafka sink: topic the records are produced to; required with --sink kafka", 0},
    {"format", SS_KEY_ENUM, "mirror", "mirror|json",
     "kafka sink: mirror (each record's key, value and headers) or json (the files sink's JSON envelope, "
     "naming the input topic, partition and offset)",
     0},
    {"transactional", SS_KEY_BOOL, "false", nullptr,
     "kafka sink: one Kafka transaction per batch that also commits the batch's offsets to kafka.group.id "
     "(exactly once for read_committed consumers); false: an idempotent producer, at-least-once",
     0},
    {"transaction.timeout.ms", SS_KEY_INT, "60000", nullptr,
     "kafka sink: the producer's transaction.timeout.ms; a batch's transaction must end within it, so it "
     "must be more than twice the batch interval (checked at start)",
     0},
    {"transactional.id", SS_KEY_STRING, nullptr, nullptr,
     "kafka sink: the producer's transactional.id (default streamsubmit-GROUP-TOPIC, plus -INSTANCE with "
     "kafka.group.instance.id); a restart with the same id fences the previous incarnation",
     0},
};

KafkaSink *impl(ss_app *app) { return reinterpret_cast<KafkaSink *>(app); }

template <class F>
ss_status guarded(ss_error *err, F &&f) noexcept {
    return streamsubmit::sinks::guarded("kafka sink", err, std::forward<F>(f));
}

ss_status app_create(const ss_app_params *params, ss_app **out, ss_error *err) {
    return create_sink("kafka sink", params, out, err, streamsubmit::kafka::parse_options,
                       [](KafkaSinkOptions o, SinkError &e) { return KafkaSink::create(std::move(o), e); });
}

void app_destroy(ss_app *app) {
    try {
        delete impl(app);
    } catch (...) {
    }
}

ss_status app_process(ss_app *app, const ss_batch *batch, const ss_offset_range *, const ss_record *records,
                      size_t count, size_t stride, ss_error *err) {
    return guarded(err, [&] { return impl(app)->process(*batch, records, count, stride, err); });
}

ss_status app_write_dead_letters(ss_app *app, const ss_batch *, const char *topic, const ss_record *records,
                                 size_t count, size_t stride, ss_error *err) {
    return guarded(err, [&] { return impl(app)->write_dead_letters(records, count, stride, topic, err); });
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

ss_status app_recover(ss_app *app, ss_topic_partition *positions, size_t count, size_t stride, ss_error *err) {
    return guarded(err, [&] { return impl(app)->recover(positions, count, stride, err); });
}

constexpr ss_application_api application_table() {
    ss_application_api api{};
    api.struct_size = sizeof(ss_application_api);
    api.create = app_create;
    api.destroy = app_destroy;
    api.process = app_process;
    api.finish_range = nullptr; // records go to the producer as they come: nothing to do per range
    api.commit = app_commit;
    api.abort = app_abort;
    api.recover = app_recover;
    api.keys = kKeys;
    api.key_count = std::size(kKeys);
    api.key_stride = sizeof(ss_config_key);
    api.write_dead_letters = app_write_dead_letters;
    return api;
}

constexpr ss_application_api kApplicationApi = application_table();

} // namespace

STREAMSUBMIT_PLUGIN(.name = "kafka", .version = "0.1.0",
                    .description =
                        "kafka sink: each batch's records produced to a topic, one transaction per batch with its offsets",
                    .application = &kApplicationApi)
