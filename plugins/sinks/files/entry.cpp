// The files sink's options (sink.files.* without the prefix), application table and descriptor.
#include "files_sink.h"

#include <cstdlib>
#include <string>
#include <string_view>

using namespace streamsubmit::sinks;

namespace {

SinkError parse_options(const ss_app_create_params &params, FilesSinkOptions &o) {
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

ss_app *create(const ss_app_create_params *params, ss_error *err) {
    return create_sink("files sink", params, err, parse_options,
                       [](FilesSinkOptions o, SinkError &e) { return FilesSink::create(std::move(o), e); });
}

ss_status recover(ss_app *app, ss_topic_partition *positions, size_t count, size_t position_size, ss_error *err) {
    return guarded(err, [&] {
        return report(SinkEntries<FilesSink>::impl(app)->recover(positions, count, position_size), err);
    });
}

// The shared table, plus recover: the files in sink.files.dir are the sink's own progress.
constexpr ss_application_api files_table() {
    ss_application_api table = SinkEntries<FilesSink>::table(create);
    table.recover = recover;
    return table;
}

constexpr ss_application_api kApplicationApi = files_table();

} // namespace

STREAMSUBMIT_PLUGIN("files", "0.1.0", "files sink: each batch's records as JSON Lines or raw values, exactly once",
                    nullptr, nullptr, &kApplicationApi)
