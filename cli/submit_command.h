// Running a job: bare `streamsubmit [options]` and `streamsubmit submit [options]`.
#pragma once

#include "cli/command.h"
#include "cli/job_options.h"

namespace streamsubmit::cli {

// Adds the job options to the root command and to the `submit` subcommand.
// Returns the action that runs the job with what the root command parsed.
CommandAction add_submit_command(CLI::App &app, CommandSelection &selection);

} // namespace streamsubmit::cli
