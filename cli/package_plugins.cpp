#include "cli/package_plugins.h"

#include "cli/progress_line.h"
#include "cli/resolve_command.h"
#include "cli/resolver_module.h"
#include "resolver/resolver.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <system_error>

namespace streamsubmit::cli {
namespace {

Result<resolver::Resolution> resolve(const resolver::ModuleApi &api, const std::vector<std::string> &coordinates,
                                     const Config &config, const runtime::Diagnostics &diagnostics, bool verbose) {
    auto settings = resolver_settings_from_config(config);
    if (!settings) return settings.error();
    resolver::ResolverSettings &s = *settings;
    s.log = [&diagnostics](std::string_view line) {
        if (line.starts_with("warning: "))
            diagnostics(runtime::LogLevel::Warn, line.substr(9));
        else
            diagnostics(runtime::LogLevel::Debug, line);
    };
    DownloadProgressLine progress; // "resolving: 12/97 files, 3.4 MiB" while stderr is a terminal
    progress.attach(s);
    auto resolution = api.resolve(coordinates, s);
    progress.finish();
    if (!resolution) return resolution.error();
    if (verbose)
        for (const auto &a : resolution->artifacts)
            diagnostics(runtime::LogLevel::Info,
                        fmt::format("resolved {} ({}) from {} -> {}", api.coordinate_text(a.coordinate), a.scope,
                                    a.repository, a.path.string()));
    return resolution;
}

// The root artifact `coordinate` resolved to; its extension must be one of `extensions`
// (the application: so, py or zip; a --py-files entry: py or zip).
Result<std::filesystem::path> root_artifact(const resolver::Resolution &resolution, const std::string &coordinate,
                                            const std::vector<std::string> &extensions, const char *what) {
    const std::string group = coordinate.substr(0, coordinate.find(':'));
    const std::string rest = coordinate.substr(group.size() + 1);
    const std::string artifact = rest.substr(0, rest.find(':'));
    for (const size_t root : resolution.roots) {
        const auto &a = resolution.artifacts[root];
        if (a.coordinate.group != group || a.coordinate.artifact != artifact) continue;
        const auto &ext = a.coordinate.extension;
        if (std::find(extensions.begin(), extensions.end(), ext) == extensions.end() || a.path.empty())
            return Error(ErrorKind::Resolution,
                         fmt::format("the {} resolved to a .{} file, not .{}", what, ext, fmt::join(extensions, ", .")),
                         coordinate, fmt::format("publish the {} as a .{} file (streamsubmit publish --file FILE ...)",
                                                 what, fmt::join(extensions, " or .")));
        return a.path;
    }
    return Error(ErrorKind::Resolution, fmt::format("the {}'s coordinates are not among the resolved artifacts", what),
                 coordinate, "check the coordinates and that no --exclude-packages pattern matches them");
}

} // namespace

bool is_application_coordinate(const std::string &resource) {
    static const std::regex form(R"([^:/\\\s]+:[^:/\\\s]+(:[^:/\\\s]+){1,3})");
    std::error_code ec;
    return std::regex_match(resource, form) && !std::filesystem::exists(resource, ec);
}

Result<JobFiles> resolve_job_files(const Config &config, const std::string &application,
                                   const runtime::Diagnostics &diagnostics, bool verbose) {
    JobFiles files;
    const auto packages = config.get_list("resolver.packages");
    const bool application_coordinate = !application.empty() && is_application_coordinate(application);
    if (!application.empty() && !application_coordinate) files.application = application;

    std::vector<std::string> coordinates = packages;
    if (application_coordinate) coordinates.push_back(application);
    // A Python job's --py-files may name artifacts too: resolved with the rest, then files.
    const auto py_files = config.get_list("app.python.pyFiles");
    for (const auto &file : py_files)
        if (is_application_coordinate(file)) coordinates.push_back(file);
    files.py_files = py_files;
    if (!coordinates.empty()) {
        auto module = resolver_module();
        if (!module) return module.error();
        const auto started = std::chrono::steady_clock::now();
        auto resolution = resolve(**module, coordinates, config, diagnostics, verbose);
        if (!resolution) return resolution.error();
        files.resolution = metrics::ResolutionActivity{
            static_cast<int64_t>(resolution->artifacts.size()), resolution->network_transfers,
            resolution->network_bytes,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()};
        if (application_coordinate) {
            auto path = root_artifact(*resolution, application, {"so", "py", "zip"}, "application");
            if (!path) return path.error();
            files.application = *path;
        }
        for (auto &file : files.py_files) {
            if (!is_application_coordinate(file)) continue;
            auto path = root_artifact(*resolution, file, {"py", "zip"}, "--py-files entry");
            if (!path) return path.error();
            // A .py artifact imports as its artifactId, - as _ (io.example:fmt-line:1.0 -> fmt_line).
            std::string module = file.substr(file.find(':') + 1);
            module = module.substr(0, module.find(':'));
            std::replace(module.begin(), module.end(), '-', '_');
            file = path->extension() == ".py" ? module + "=" + path->string() : path->string();
        }
        for (auto &plugin : (*module)->native_plugins(*resolution))
            if (plugin != files.application) files.plugins.push_back(std::move(plugin));
        if (!packages.empty() && files.plugins.empty())
            return Error(ErrorKind::Resolution, "the packages contain no native plugin (.so)",
                         fmt::format("{}", fmt::join(packages, ",")),
                         "name a package whose POM has packaging 'so', or pass the plugin file with --plugins");
    }
    for (const auto &file : config.get_list("stream.plugins")) files.plugins.emplace_back(file);
    return files;
}

} // namespace streamsubmit::cli
