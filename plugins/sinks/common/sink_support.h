// What every bundled sink plugin needs around its own logic: errors as values that become an
// ss_error, the record format options (sink.NAME.format / sink.NAME.delimiter) shared by the
// files and exec sinks, and the application table whose entries catch every exception
// (nothing C++ crosses the ABI).
#pragma once

#include "../app_guard.h"
#include "record_format.h"

#include <streamsubmit/plugin.h>

#include <string>
#include <string_view>
#include <utility>

namespace streamsubmit::sinks {

struct SinkError {
    ss_status status = SS_OK;
    std::string message;
    explicit operator bool() const { return status != SS_OK; }
};

// How records are written: JSON Lines (kcat -J's fields) or raw values and a delimiter.
struct RecordFormat {
    bool json = true;
    std::string delimiter = "\n";
    void append(std::string &out, const ss_record &record) const {
        if (json)
            append_json_record(out, record);
        else
            append_raw_record(out, record, delimiter);
    }
};

// Takes the `format` and `delimiter` keys of sink `sink` ("files", "exec"); false for any other key.
bool parse_format_key(std::string_view sink, std::string_view key, std::string_view value, RecordFormat &format,
                      SinkError &error);

// Calls take(key, value, error) for each of the sink's keys (sink.NAME.* with the prefix stripped),
// after `format` has had its own keys, until one sets `error`.
template <class F>
SinkError for_each_option(const ss_app_create_params &params, std::string_view sink, RecordFormat &format, F &&take) {
    SinkError error;
    for (size_t i = 0; i < params.conf_count && !error; ++i) {
        const std::string_view key = params.conf[i].key ? params.conf[i].key : "";
        const std::string_view value = params.conf[i].value ? params.conf[i].value : "";
        if (!parse_format_key(sink, key, value, format, error)) take(key, value, error);
    }
    return error;
}

// The index in batch.ranges of `range`, which the host passes as a pointer into that array;
// batch.range_count when it is not one of them.
size_t range_index(const ss_batch &batch, const ss_offset_range &range);

// Writes all of `data` to `fd` (retrying short writes and EINTR); the error names the sink and the file.
SinkError write_all(int fd, std::string_view data, std::string_view sink, const std::string &file);

inline ss_status set_error(ss_error *err, ss_status status, const std::string &message) {
    return set_app_error(err, status, message);
}

inline ss_status report(const SinkError &e, ss_error *err) { return e ? set_error(err, e.status, e.message) : SS_OK; }

template <class F>
ss_status guarded(ss_error *err, F &&f) noexcept {
    return guarded("sink", err, std::forward<F>(f));
}

// The create entry of a bundled sink: checks the parameters, parses the sink's options with
// `parse` and builds the sink with make(options, error), which returns a std::unique_ptr
// (empty, with `error` set, when it cannot).
template <class Options, class Make>
ss_app *create_sink(const char *who, const ss_app_create_params *params, ss_error *err,
                    SinkError (*parse)(const ss_app_create_params &, Options &), Make &&make) noexcept {
    ss_app *app = nullptr;
    guarded(who, err, [&] {
        if (!params || params->struct_size < sizeof(ss_app_create_params))
            return set_error(err, SS_ERR_INTERNAL, std::string(who) + ": ss_app_create_params is missing or too small");
        Options options;
        if (auto e = parse(*params, options)) return report(e, err);
        SinkError error;
        auto sink = make(std::move(options), error);
        if (!sink) return report(error, err);
        app = reinterpret_cast<ss_app *>(sink.release());
        return SS_OK;
    });
    return app;
}

// The application table of a sink class with process/finish_range/commit/abort members
// returning SinkError; `create` is the sink's own (it parses its options).
template <class Sink>
struct SinkEntries {
    static Sink *impl(ss_app *app) { return reinterpret_cast<Sink *>(app); }
    static void destroy(ss_app *app) {
        try {
            delete impl(app);
        } catch (...) {
        }
    }
    static ss_status process(ss_app *app, const ss_batch *batch, const ss_offset_range *range,
                             const ss_record *records, size_t count, ss_error *err) {
        return guarded(err, [&] { return report(impl(app)->process(*batch, *range, records, count), err); });
    }
    static ss_status finish_range(ss_app *app, const ss_batch *batch, const ss_offset_range *range, ss_error *err) {
        return guarded(err, [&] { return report(impl(app)->finish_range(*batch, *range), err); });
    }
    static ss_status commit(ss_app *app, const ss_batch *batch, ss_error *err) {
        return guarded(err, [&] { return report(impl(app)->commit(*batch), err); });
    }
    static void abort(ss_app *app, const ss_batch *batch) {
        try {
            impl(app)->abort(*batch);
        } catch (...) {
        }
    }
    static constexpr ss_application_api table(ss_app *(*create)(const ss_app_create_params *, ss_error *)) {
        return {sizeof(ss_application_api), create, destroy, process, finish_range, commit, abort,
                nullptr /* recover: the checkpoint's progress is the sink's */};
    }
};

} // namespace streamsubmit::sinks
