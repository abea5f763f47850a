// The configuration keys plugins declare in their own tables (ss_config_key), as keys of the
// one configuration table: checked, defaulted and documented like the host's own.
#pragma once

#include "cli/config.h"
#include "cli/config_table.h"
#include "runtime/core/diagnostics.h"
#include "runtime/plugin/plugin_loader.h"

#include <string>
#include <vector>

namespace streamsubmit::cli {

// The keys `plugin` declares, named under `prefix` ("sink.files." + "dir"); `owner` says
// what declares them ("files sink").
std::vector<DeclaredKey> declared_keys(const runtime::Plugin &plugin, const std::string &prefix,
                                       const std::string &owner);

// The connector keys the job's application asks for (ABI 2.4 source_defaults), set where the
// user set the key nowhere; each one applied is said at debug level (-v). A key outside
// kafka.* refuses the plugin: an application tunes the connector, nothing else.
Status apply_source_defaults(Config &config, const runtime::Plugin &plugin, const std::string &owner,
                             const runtime::Diagnostics &diagnostics);

// The names of the bundled sinks (streamsubmit-sink-NAME.so in the plugin directories), sorted.
std::vector<std::string> bundled_sink_names();

// Every bundled sink's keys, for `streamsubmit config`, --help and the man page. A sink
// that does not load is left out (the job that names it reports why).
std::vector<DeclaredKey> bundled_sink_keys();

// The bundled sinks' keys as --help lists them, one per line.
std::string sink_keys_help();

} // namespace streamsubmit::cli
