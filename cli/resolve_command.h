// `streamsubmit resolve COORDS...`: resolves Maven packages like spark-submit's
// --packages and prints the graph like `mvn dependency:tree` (or :list) with local paths.
#pragma once

#include "cli/command.h"
#include "cli/config.h"
#include "resolver/resolver.h"

namespace streamsubmit::cli {

void add_resolve_command(CLI::App &app, CommandSelection &selection);

// For `submit --packages`: the resolver.* keys of a job's Config as ResolverSettings
// (resolver.userRepositories, resolver.repositories, resolver.excludePackages,
// resolver.offline, resolver.lockfile, resolver.ttl, resolver.checksumPolicy,
// resolver.caBundle). Then: resolver::resolve(config.get_list("resolver.packages"), settings)
// and Resolution::native_plugins().
Result<resolver::ResolverSettings> resolver_settings_from_config(const Config &config);

} // namespace streamsubmit::cli
