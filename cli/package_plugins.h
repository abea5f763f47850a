// The files a job loads: --packages and --plugins (connectors), and the primary resource
// (the application: a .so file or Maven coordinates), resolved together by resolver/.
#pragma once

#include "cli/config.h"
#include "metrics/resolution_activity.h"
#include "runtime/core/diagnostics.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace streamsubmit::cli {

struct JobFiles {
    std::vector<std::filesystem::path> plugins;       // resolved .so files (dependencies first), then --plugins
    std::optional<std::filesystem::path> application; // the primary resource's file, when one was given
    std::vector<std::string> py_files;                // app.python.pyFiles (--py-files), coordinates resolved to files
    std::optional<metrics::ResolutionActivity> resolution; // when anything was resolved
};

// True when `resource` names Maven coordinates (g:a:v) rather than a file: it has the form
// and no file of that name exists.
bool is_application_coordinate(const std::string &resource);

// Resolves --packages and, when `application` is coordinates, the application with them in one
// resolution (one lockfile, one cache). With `verbose`, every resolved artifact and its local
// path goes to the diagnostics. `application` may be empty (a job that only reports ranges).
Result<JobFiles> resolve_job_files(const Config &config, const std::string &application,
                                   const runtime::Diagnostics &diagnostics, bool verbose);

} // namespace streamsubmit::cli
