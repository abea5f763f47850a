// The ABI side of a bundled sink: its create entry (reads ss_app_params, parses the sink's
// options, builds the sink) and its application table, whose entries turn SinkError into
// the returned status and ss_error and catch every exception (nothing C++ crosses the ABI).
#pragma once

#include "sink_support.h"

#include <streamsubmit/plugin.h>

#include <cstddef>
#include <string>
#include <utility>

namespace streamsubmit::sinks {

// The create entry of a bundled sink: parses the sink's options with `parse` and builds the
// sink with make(options, params, error), which returns a std::unique_ptr (empty, with
// `error` set, when it cannot). A params struct smaller than this build's is read as far as it goes.
template <class Options, class Make>
ss_status create_sink(const char *who, const ss_app_params *params, ss_app **out, ss_error *err,
                      SinkError (*parse)(const AppParams &, Options &), Make &&make) noexcept {
    return guarded(who, err, [&] {
        if (!params) return set_error(err, SS_ERR_INTERNAL, std::string(who) + ": no ss_app_params");
        const AppParams read = AppParams::read(*params);
        Options options;
        if (auto e = parse(read, options)) return report(e, err);
        SinkError error;
        auto sink = make(std::move(options), error);
        if (!sink) return report(error, err);
        *out = reinterpret_cast<ss_app *>(sink.release());
        return SS_OK;
    });
}

// The application table of a sink class with process/finish_range/commit/abort members
// returning SinkError; `create` is the sink's own (it parses its options), `keys` the keys
// it declares.
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
                             const ss_record *records, size_t count, size_t stride, ss_error *err) {
        return guarded("sink", err,
                       [&] { return report(impl(app)->process(*batch, *range, records, count, stride), err); });
    }
    static ss_status finish_range(ss_app *app, const ss_batch *batch, const ss_offset_range *range, ss_error *err) {
        return guarded("sink", err, [&] { return report(impl(app)->finish_range(*batch, *range), err); });
    }
    static ss_status commit(ss_app *app, const ss_batch *batch, ss_error *err) {
        return guarded("sink", err, [&] { return report(impl(app)->commit(*batch), err); });
    }
    static void abort(ss_app *app, const ss_batch *batch) {
        try {
            impl(app)->abort(*batch);
        } catch (...) {
        }
    }
    template <size_t N>
    static constexpr ss_application_api table(ss_status (*create)(const ss_app_params *, ss_app **, ss_error *),
                                              const ss_config_key (&keys)[N]) {
        ss_application_api api{};
        api.struct_size = sizeof(ss_application_api);
        api.create = create;
        api.destroy = destroy;
        api.process = process;
        api.finish_range = finish_range;
        api.commit = commit;
        api.abort = abort;
        api.recover = nullptr; // the checkpoint's progress is the sink's; a sink with its own sets it
        api.keys = keys;
        api.key_count = N;
        api.key_stride = sizeof(ss_config_key);
        return api;
    }
};

} // namespace streamsubmit::sinks
