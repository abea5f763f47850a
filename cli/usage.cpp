#include "cli/usage.h"

#include "cli/error_report.h"
#include "cli/suggest.h"

#include <fmt/format.h>

namespace streamsubmit::cli {
namespace {

constexpr std::string_view kUsage =
    "Usage: streamsubmit [options] [application.so | job.py | group:artifact:version [application arguments]]\n"
    "       streamsubmit submit|mock-cluster|config|resolve|publish [options]\n";

// A Python job as a user writes one: foreach_batch gets each batch's decoded records.
constexpr std::string_view kPythonJob =
    "A Python job (job.py; see man streamsubmit, Python jobs, and examples/python):\n"
    "  $ cat count.py\n"
    "  import collections, sys\n"
    "  counts = collections.Counter()\n"
    "  def foreach_batch(batch, records):\n"
    "      counts.update(r.key for r in records)\n"
    "      print(batch.id, dict(counts), file=sys.stderr)\n"
    "  $ streamsubmit --bootstrap-servers \"$KAFKA\" --topics orders --checkpoint /var/lib/orders-job \\\n"
    "      --conf app.python.valueDecoder=bytes count.py\n\n";

// The subcommand being parsed when CLI11 stopped: the innermost one chosen.
const CLI::App &innermost(const CLI::App &app) {
    const CLI::App *at = &app;
    for (;;) {
        const auto chosen = at->get_subcommands();
        if (chosen.empty()) return *at;
        at = chosen.front();
    }
}

std::string help_command(const CLI::App &app) {
    std::string path;
    for (const CLI::App *at = &app; at && at->get_parent(); at = at->get_parent()) path = " " + at->get_name() + path;
    return "streamsubmit" + path + " --help";
}

} // namespace

std::string UsageFormatter::make_usage(const CLI::App *app, std::string name) const {
    if (app->get_parent() == nullptr) return "\n" + std::string(kUsage);
    if (app->get_name() == "submit") // a job, like the root: CLI11 does not know of the application
        return "\nUsage: streamsubmit submit [options] [application.so | job.py | group:artifact:version "
               "[application arguments]]\n";
    return CLI::Formatter::make_usage(app, std::move(name));
}

std::string job_help_footer() { return std::string(kPythonJob) + kJobExitStatusHelp + "See man streamsubmit."; }

std::string short_usage() {
    return std::string(kUsage) +
           "\nA job needs at least --bootstrap-servers HOST:PORT and --topics NAME; 'streamsubmit mock-cluster' starts\n"
           "a local cluster to try it on. Run 'streamsubmit --help' for the options, or see man streamsubmit.\n";
}

std::vector<std::string> option_names(const CLI::App &app) {
    std::vector<std::string> names;
    for (const CLI::Option *opt : app.get_options()) {
        if (opt->get_group().empty()) continue; // hidden: refused spark-submit options
        for (const auto &l : opt->get_lnames()) names.push_back("--" + l);
        for (const auto &s : opt->get_snames()) names.push_back("-" + s);
    }
    return names;
}

std::vector<std::string> subcommand_names(const CLI::App &app) {
    std::vector<std::string> names;
    for (const CLI::App *sub : app.get_subcommands([](const CLI::App *) { return true; }))
        if (!sub->get_group().empty()) names.push_back(sub->get_name()); // not the hidden __complete
    return names;
}

Error parse_error(const CLI::App &app, const CLI::ParseError &e) {
    const CLI::App &at = innermost(app);
    std::string hint = fmt::format("run '{}' for the options", help_command(at));
    for (const auto &arg : at.remaining()) {
        if (!arg.starts_with("-")) continue;
        const auto near = nearest_name(arg.substr(0, arg.find('=')), option_names(at));
        if (!near.empty()) {
            hint = did_you_mean(near, hint);
            break;
        }
    }
    return Error(ErrorKind::Usage, e.what(), "", hint);
}

} // namespace streamsubmit::cli
