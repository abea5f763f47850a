// The exec sink's keys (sink.exec.* without the prefix), options, application table and descriptor.
#include "exec_sink.h"
#include "sink_entries.h"

#include <charconv>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

using namespace streamsubmit::sinks;

namespace {

constexpr ss_config_key kKeys[] = {
    {"command", SS_KEY_STRING, nullptr, nullptr,
     "exec sink: shell command (run with /bin/sh -c) that gets each batch's records on stdin, with "
     "STREAMSUBMIT_BATCH_ID and STREAMSUBMIT_RANGES (JSON) set; its stdout goes to stderr; exit 0 commits "
     "the batch; required with --sink exec",
     0},
    {"per", SS_KEY_ENUM, "batch", "batch|partition",
     "exec sink: run the command once per batch, or once per partition range (in parallel, with "
     "STREAMSUBMIT_TOPIC and STREAMSUBMIT_PARTITION set); a batch or range without records runs nothing",
     0},
    {"format", SS_KEY_ENUM, "json", "json|raw",
     "exec sink: records on stdin as JSON Lines (the files sink's fields) or raw values, each followed by "
     "sink.exec.delimiter",
     0},
    {"delimiter", SS_KEY_STRING, "\\n", nullptr,
     "exec sink, raw format: written after every value; C escapes \\n \\t \\r \\0 \\\\ \\xHH", 0},
    {"retries", SS_KEY_INT, "2", nullptr,
     "exec sink: further runs of a failed command (0.5 s apart, doubling) before the batch fails and the job "
     "exits 8 with the batch left planned, so a restart re-runs it",
     0},
};

SinkError parse_options(const AppParams &params, ExecSinkOptions &o) {
    SinkError error = for_each_option(params, "exec", o.format, [&](auto key, auto value, SinkError &problem) {
        if (key == "command") {
            o.command = std::string(value);
        } else if (key == "per") {
            if (value != "batch" && value != "partition")
                problem = {SS_ERR_CONFIG, "sink.exec.per=" + std::string(value) + " is not one of batch, partition"};
            o.per_partition = value == "partition";
        } else if (key == "retries") {
            const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), o.retries);
            if (ec != std::errc{} || end != value.data() + value.size() || o.retries < 0 || o.retries > 100)
                problem = {SS_ERR_CONFIG, "sink.exec.retries=" + std::string(value) + " is not a number from 0 to 100"};
        }
    });
    if (!error && o.command.empty())
        error = {SS_ERR_CONFIG, "the exec sink needs sink.exec.command (--conf 'sink.exec.command=wc -l')"};
    if (!error) error = RecordDecoding::create(params, "exec", o.format.json, o.format.decoding);
    const char *tmp = std::getenv("TMPDIR");
    o.temp_dir = tmp && *tmp ? tmp : "/tmp";
    o.log = params.log;
    return error;
}

ss_status create(const ss_app_params *params, ss_app **out, ss_error *err) {
    return create_sink("exec sink", params, out, err, parse_options,
                       [](ExecSinkOptions o, SinkError &) { return std::make_unique<ExecSink>(std::move(o)); });
}

constexpr ss_application_api kApplicationApi = SinkEntries<ExecSink>::table(create, kKeys);

} // namespace

STREAMSUBMIT_PLUGIN(.name = "exec", .version = "0.1.0",
                    .description = "exec sink: each batch's records on the stdin of a shell command, at least once",
                    .application = &kApplicationApi)
