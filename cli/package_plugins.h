// --packages: resolve Maven coordinates (resolver/) into native plugin files to load.
#pragma once

#include "cli/config.h"
#include "runtime/diagnostics.h"

#include <filesystem>
#include <vector>

namespace streamsubmit::cli {

// The .so files of the resolved graph, dependencies first; empty when no packages are named.
// With `verbose`, every resolved artifact and its local path goes to the diagnostics.
Result<std::vector<std::filesystem::path>> resolve_package_plugins(const Config &config,
                                                                   const runtime::Diagnostics &diagnostics,
                                                                   bool verbose);

} // namespace streamsubmit::cli
