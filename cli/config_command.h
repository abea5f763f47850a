// `streamsubmit config`: every key with its value and where the value came from.
#pragma once

#include "cli/command.h"

namespace streamsubmit::cli {

void add_config_command(CLI::App &app, CommandSelection &selection);

// The CONFIGURATION section of the man page, in troff, generated from the table.
std::string config_table_troff();

} // namespace streamsubmit::cli
