#include "cli/unused_keys.h"

#include <fmt/format.h>

namespace streamsubmit::cli {
namespace {

// What runs in place of the sink a key was meant for.
std::string instead(const KeyReaders &readers) {
    if (!readers.sink.empty()) return fmt::format("the sink is '{}'", readers.sink);
    if (!readers.application.empty())
        return fmt::format("the job runs the application '{}', not a sink", readers.application);
    return "no sink is chosen";
}

// The record formats are decoded by a sink (the bundled ones all do, in their JSON): without
// one, the records reach an application (or the report) as they are.
void record_format_warnings(const Config &config, const KeyReaders &readers, std::vector<std::string> &out) {
    bool decoded = false;
    for (const char *key : {"stream.key.format", "stream.value.format"}) {
        const std::string format = config.get_string(key);
        if (format == "bytes") continue;
        decoded = true;
        if (!readers.sink.empty()) continue;
        out.push_back(fmt::format(
            "{}={} is set but {}; records are decoded by a sink (--sink files, exec or kafka) or an application "
            "that reads the job's record formats (ss_app_params.format_conf), else they arrive as they are",
            key, format, instead(readers)));
    }
    if (decoded) return;
    for (const auto &[rest, value] : config.with_prefix("schema.registry."))
        out.push_back(fmt::format("schema.registry.{} is set but stream.key.format and stream.value.format are bytes; "
                                  "it is used by the avro, protobuf and json-schema formats",
                                  rest));
}

} // namespace

std::vector<std::string> unused_key_warnings(const Config &config, const KeyReaders &readers) {
    std::vector<std::string> out;
    const std::string own_prefix = readers.sink.empty() ? "" : readers.sink + ".";
    for (const auto &[rest, value] : config.with_prefix("sink.")) {
        if (!own_prefix.empty() && rest.starts_with(own_prefix)) continue;
        const auto dot = rest.find('.');
        const std::string sink = rest.substr(0, dot);
        out.push_back(fmt::format("sink.{} is set but {}; it is used by --sink {}", rest, instead(readers), sink));
    }
    if (readers.application.empty())
        for (const auto &[rest, value] : config.with_prefix("app."))
            out.push_back(fmt::format(
                "app.{} is set but the job has no application{}; app.* keys go to the application given after the "
                "options (streamsubmit [options] app.so|group:artifact:version)",
                rest, readers.sink.empty() ? "" : fmt::format(" (--sink {} runs instead)", readers.sink)));
    record_format_warnings(config, readers, out);
    // Only an application or a sink rejects records.
    if (readers.application.empty() && readers.sink.empty())
        for (const auto &[rest, value] : config.with_prefix("stream.errors."))
            out.push_back(fmt::format("stream.errors.{} is set but the job has neither an application nor a sink, "
                                      "so nothing rejects records",
                                      rest));
    return out;
}

} // namespace streamsubmit::cli
