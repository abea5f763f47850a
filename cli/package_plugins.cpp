#include "cli/package_plugins.h"

#include "cli/progress_line.h"
#include "cli/resolve_command.h"
#include "cli/resolver_module.h"
#include "resolver/resolver.h"

#include <fmt/format.h>

namespace streamsubmit::cli {

Result<std::vector<std::filesystem::path>> resolve_package_plugins(const Config &config,
                                                                   const runtime::Diagnostics &diagnostics,
                                                                   bool verbose) {
    const auto packages = config.get_list("resolver.packages");
    if (packages.empty()) return std::vector<std::filesystem::path>{};

    auto module = resolver_module();
    if (!module) return module.error();
    const resolver::ModuleApi &api = **module;
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

    auto resolution = api.resolve(packages, s);
    progress.finish();
    if (!resolution) return resolution.error();
    if (verbose)
        for (const auto &a : resolution->artifacts)
            diagnostics(runtime::LogLevel::Info,
                        fmt::format("resolved {} ({}) from {} -> {}", api.coordinate_text(a.coordinate), a.scope,
                                    a.repository, a.path.string()));
    auto plugins = api.native_plugins(*resolution);
    if (plugins.empty())
        return Error(ErrorKind::Resolution, "the packages contain no native plugin (.so)", fmt::format("{}", fmt::join(packages, ",")),
                     "name a package whose POM has packaging 'so', or pass the plugin file with --plugins");
    return plugins;
}

} // namespace streamsubmit::cli
