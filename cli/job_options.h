// The options of a job (bare `streamsubmit` and `streamsubmit submit`), and how
// they become one Config: command line > --conf > properties file > defaults.
#pragma once

#include "cli/config.h"

#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

namespace streamsubmit::cli {

struct JobArgs {
    std::map<std::string, std::string> by_key; // table keys set through their own flag
    std::vector<std::pair<std::string, CLI::Option *>> flag_options;
    std::vector<std::string> conf;             // --conf KEY=VALUE
    std::string properties_file;
    bool verbose = false;
    std::vector<std::string> unsupported_values;
    std::vector<std::pair<std::string, CLI::Option *>> unsupported; // spark-submit options that do not apply
    // The primary resource, as spark-submit's <app jar> [app arguments]: an application .so or
    // its Maven coordinates, then arguments handed to the application's create() unparsed.
    std::string application;
    std::vector<std::string> application_args;
};

void add_job_options(CLI::App &app, JobArgs &args);

// A job's command line stops at its first argument that is not an option (CLI11's prefix
// command): that is the primary resource, and what follows it belongs to the application.
// After parsing, the arguments CLI11 left (app.remaining()) become the primary resource and the
// application's arguments; an unknown option before them is a usage error.
// `app` is the (sub)command parsed: its options and subcommands are the suggestions for a
// mistyped one.
Status take_primary_resource(JobArgs &args, std::vector<std::string> remaining, const CLI::App &app);

Result<Config> build_config(const JobArgs &args);

// The effective configuration with sources, secrets redacted; for --verbose and `config`.
std::string describe_config(const Config &config);

} // namespace streamsubmit::cli
