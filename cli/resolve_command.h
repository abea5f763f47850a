// `streamsubmit resolve COORDS...`: resolves Maven packages like spark-submit's
// --packages and prints the graph like `mvn dependency:tree` (or :list) with local paths.
#pragma once

#include "cli/command.h"

namespace streamsubmit::cli {

void add_resolve_command(CLI::App &app, CommandSelection &selection);

} // namespace streamsubmit::cli
