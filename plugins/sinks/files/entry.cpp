// The files sink's keys (sink.files.* without the prefix), options, application table and descriptor.
#include "files_sink.h"
#include "sink_entries.h"

#include <cstdlib>
#include <string>
#include <string_view>

using namespace streamsubmit::sinks;

namespace {

constexpr ss_config_key kKeys[] = {
    {"dir", SS_KEY_STRING, nullptr, nullptr,
     "files sink: directory for the batch files (created if missing), one file per partition range named "
     "topic+partition+startOffset; required with --sink files",
     0},
    {"format", SS_KEY_ENUM, "json", "json|raw",
     "files sink: json (JSON Lines, one object per record with the fields topic, partition, offset, "
     "timestamp, timestampType, key, value, headers) or raw (each value followed by sink.files.delimiter)",
     0},
    {"delimiter", SS_KEY_STRING, "\\n", nullptr,
     "files sink, raw format: written after every value; C escapes \\n \\t \\r \\0 \\\\ \\xHH", 0},
};

SinkError parse_options(const AppParams &params, FilesSinkOptions &o) {
    SinkError error = for_each_option(params, "files", o.format, [&](auto key, auto value, SinkError &) {
        if (key == "dir") o.dir = std::string(value);
    });
    if (!error && o.dir.empty())
        error = {SS_ERR_CONFIG, "the files sink needs sink.files.dir (--conf sink.files.dir=DIR)"};
#ifdef STREAMSUBMIT_TEST_HOOKS // crash tests only; a release build ignores the variable
    if (const char *delay = std::getenv("STREAMSUBMIT_TEST_FILES_SINK_DELAY_MS"); delay && *delay)
        o.test_delay_ms = std::atoi(delay);
#endif
    return error;
}

ss_status create(const ss_app_params *params, ss_app **out, ss_error *err) {
    return create_sink("files sink", params, out, err, parse_options,
                       [](FilesSinkOptions o, SinkError &e) { return FilesSink::create(std::move(o), e); });
}

ss_status recover(ss_app *app, ss_topic_partition *positions, size_t count, size_t stride, ss_error *err) {
    return guarded("files sink", err, [&] {
        return report(SinkEntries<FilesSink>::impl(app)->recover(positions, count, stride), err);
    });
}

// The shared table, plus recover: the files in sink.files.dir are the sink's own progress.
constexpr ss_application_api files_table() {
    ss_application_api table = SinkEntries<FilesSink>::table(create, kKeys);
    table.recover = recover;
    return table;
}

constexpr ss_application_api kApplicationApi = files_table();

} // namespace

STREAMSUBMIT_PLUGIN(.name = "files", .version = "0.1.0",
                    .description = "files sink: each batch's records as JSON Lines or raw values, exactly once",
                    .application = &kApplicationApi)
