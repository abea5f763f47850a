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
    // Only an application or a sink rejects records.
    if (readers.application.empty() && readers.sink.empty())
        for (const auto &[rest, value] : config.with_prefix("stream.errors."))
            out.push_back(fmt::format("stream.errors.{} is set but the job has neither an application nor a sink, "
                                      "so nothing rejects records",
                                      rest));
    return out;
}

} // namespace streamsubmit::cli
