// The resolver as a module the command line loads only when it resolves or publishes:
// the resolver needs libcurl and OpenSSL (29 shared libraries), and loading them at
// start-up cost `streamsubmit --version` and every job without --packages about 5 ms.
// The module (streamsubmit-resolver.so) exports one C symbol returning this table of
// the resolver's entry points, unchanged; both sides are built from this tree together,
// so C++ types cross (same compiler and standard library), checked by `size`.
#pragma once

#include "resolver/checksum.h"
#include "resolver/publish.h"
#include "resolver/resolver.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace streamsubmit::resolver {

struct ModuleApi {
    uint32_t size; // sizeof(ModuleApi) as the module was built
    Result<Resolution> (*resolve)(const std::vector<std::string> &coordinates, const ResolverSettings &settings);
    Status (*publish)(const PublishRequest &request);
    Result<ChecksumPolicy> (*parse_checksum_policy)(std::string_view text);
    Result<std::optional<SignaturePolicy>> (*parse_signature_policy)(std::string_view text);
    // Resolution and Coordinate members that live in the module's code.
    std::vector<std::filesystem::path> (*native_plugins)(const Resolution &resolution);
    std::string (*tree_text)(const Resolution &resolution, bool with_paths);
    std::string (*list_text)(const Resolution &resolution, bool with_paths);
    std::string (*coordinate_text)(const Coordinate &coordinate);
};

} // namespace streamsubmit::resolver

#define STREAMSUBMIT_RESOLVER_MODULE_SYMBOL "streamsubmit_resolver_module"
extern "C" const streamsubmit::resolver::ModuleApi *streamsubmit_resolver_module();
