// The files sink's application table and descriptor. Every entry point turns exceptions
// into SS_ERR_INTERNAL: nothing C++ crosses the ABI.
#include "../app_guard.h"
#include "files_sink.h"
#include "record_format.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

using streamsubmit::sinks::FilesSink;
using streamsubmit::sinks::FilesSinkOptions;
using streamsubmit::sinks::SinkError;

namespace {

FilesSink *impl(ss_app *app) { return reinterpret_cast<FilesSink *>(app); }

ss_status set_error(ss_error *err, ss_status status, const std::string &message) {
    return streamsubmit::sinks::set_app_error(err, status, message);
}

ss_status report(const SinkError &e, ss_error *err) { return e ? set_error(err, e.status, e.message) : SS_OK; }

template <class F>
ss_status guarded(ss_error *err, F &&f) noexcept {
    return streamsubmit::sinks::guarded("files sink", err, std::forward<F>(f));
}

// sink.files.* keys arrive without their prefix.
ss_status parse_options(const ss_app_create_params &params, FilesSinkOptions &o, ss_error *err) {
    for (size_t i = 0; i < params.conf_count; ++i) {
        const std::string_view key = params.conf[i].key ? params.conf[i].key : "";
        const std::string_view value = params.conf[i].value ? params.conf[i].value : "";
        if (key == "dir") {
            o.dir = std::string(value);
        } else if (key == "format") {
            if (value != "json" && value != "raw")
                return set_error(err, SS_ERR_CONFIG,
                                 "sink.files.format=" + std::string(value) + " is not one of json, raw");
            o.json = value == "json";
        } else if (key == "delimiter") {
            std::string problem;
            o.delimiter = streamsubmit::sinks::unescape(value, problem);
            if (!problem.empty())
                return set_error(err, SS_ERR_CONFIG, "sink.files.delimiter=" + std::string(value) + ": " + problem);
        }
    }
    if (o.dir.empty())
        return set_error(err, SS_ERR_CONFIG, "the files sink needs sink.files.dir (--conf sink.files.dir=DIR)");
    if (const char *delay = std::getenv("STREAMSUBMIT_TEST_FILES_SINK_DELAY_MS"); delay && *delay)
        o.test_delay_ms = std::atoi(delay);
    return SS_OK;
}

ss_app *app_create(const ss_app_create_params *params, ss_error *err) {
    ss_app *app = nullptr;
    guarded(err, [&] {
        if (!params || params->struct_size < sizeof(ss_app_create_params))
            return set_error(err, SS_ERR_INTERNAL, "files sink: ss_app_create_params is missing or too small");
        FilesSinkOptions options;
        if (ss_status st = parse_options(*params, options, err); st != SS_OK) return st;
        SinkError error;
        auto sink = FilesSink::create(std::move(options), error);
        if (!sink) return report(error, err);
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

ss_status app_process(ss_app *app, const ss_batch *batch, const ss_offset_range *range, const ss_record *records,
                      size_t count, ss_error *err) {
    return guarded(err, [&] { return report(impl(app)->process(*batch, *range, records, count), err); });
}

ss_status app_finish_range(ss_app *app, const ss_batch *batch, const ss_offset_range *range, ss_error *err) {
    return guarded(err, [&] { return report(impl(app)->finish_range(*batch, *range), err); });
}

ss_status app_commit(ss_app *app, const ss_batch *batch, ss_error *err) {
    return guarded(err, [&] { return report(impl(app)->commit(*batch), err); });
}

void app_abort(ss_app *app, const ss_batch *batch) {
    try {
        impl(app)->abort(*batch);
    } catch (...) {
    }
}

const ss_application_api kApplicationApi = {
    sizeof(ss_application_api), app_create, app_destroy, app_process, app_finish_range, app_commit, app_abort,
    nullptr, // recover: file names come from the ranges, so the checkpoint's progress is the sink's
};

} // namespace

STREAMSUBMIT_PLUGIN("files", "0.1.0", "files sink: each batch's records as JSON Lines or raw values, exactly once",
                    nullptr, nullptr, &kApplicationApi)
