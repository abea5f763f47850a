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
};

void add_job_options(CLI::App &app, JobArgs &args);

Result<Config> build_config(const JobArgs &args);

// The effective configuration with sources, secrets redacted; for --verbose and `config`.
std::string describe_config(const Config &config);

} // namespace streamsubmit::cli
