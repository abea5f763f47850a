// The exec sink's options (sink.exec.* without the prefix), application table and descriptor.
#include "exec_sink.h"

#include <charconv>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

using namespace streamsubmit::sinks;

namespace {

SinkError parse_options(const ss_app_create_params &params, ExecSinkOptions &o) {
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
    const char *tmp = std::getenv("TMPDIR");
    o.temp_dir = tmp && *tmp ? tmp : "/tmp";
    o.host = params.host;
    return error;
}

ss_app *create(const ss_app_create_params *params, ss_error *err) {
    return create_sink("exec sink", params, err, parse_options,
                       [](ExecSinkOptions o, SinkError &) { return std::make_unique<ExecSink>(std::move(o)); });
}

constexpr ss_application_api kApplicationApi = SinkEntries<ExecSink>::table(create);

} // namespace

STREAMSUBMIT_PLUGIN("exec", "0.1.0",
                    "exec sink: each batch's records on the stdin of a shell command, at least once", nullptr, nullptr,
                    &kApplicationApi)
