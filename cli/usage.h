// What the command line says about itself: the usage lines of --help and of a bare
// `streamsubmit`, and the "did you mean" of a command line CLI11 refused.
#pragma once

#include "common/error.h"

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace streamsubmit::cli {

// The root's usage lines (CLI11 would print its own "Usage:" line besides ours).
class UsageFormatter : public CLI::Formatter {
public:
    std::string make_usage(const CLI::App *app, std::string name) const override;
};

// The job's --help shows a Python job (job.py, run by the python plugin) before the exit codes.
std::string job_help_footer();

// A bare `streamsubmit`: the usage lines and where to read more (printed on stderr, exit 2).
std::string short_usage();

// Every long and short option name of `app` that --help shows ("--topics", "-c").
std::vector<std::string> option_names(const CLI::App &app);

// The names of `app`'s subcommands.
std::vector<std::string> subcommand_names(const CLI::App &app);

// A CLI11 parse error as an Error: the hint names the help of the (sub)command that was being
// parsed and, for an option it does not know, the nearest one it has.
Error parse_error(const CLI::App &app, const CLI::ParseError &e);

} // namespace streamsubmit::cli
