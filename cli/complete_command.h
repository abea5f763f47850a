// `streamsubmit __complete -- WORD...` (hidden): the candidates for the last WORD of a
// command line, one per line, for the shell completions in completions/ (bash, zsh, fish).
// The binary answers from its own parser and the configuration table, so the completions
// never drift from the options and keys: subcommands, options, option values (the table's
// choices, the bundled sinks for --sink), and the keys after --conf ("KEY=") and their values
// ("KEY=VALUE"). Two lines are instructions, not candidates: "@files" (complete file names
// here) and "@dirs" (directory names).
#pragma once

#include "cli/command.h"

#include <string>
#include <vector>

namespace streamsubmit::cli {

// Adds the hidden subcommand; `root` is the whole command line's app, which it describes.
void add_complete_command(CLI::App &root, CommandSelection &selection);

// The candidates for the last of `words` (the words after "streamsubmit"; the last may be empty).
std::vector<std::string> completions(const CLI::App &root, const std::vector<std::string> &words);

} // namespace streamsubmit::cli
