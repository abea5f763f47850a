// Native plugin artifacts: extension "so", classifier in the os-maven-plugin convention
// (${os.detected.name}-${os.detected.arch}: linux-x86_64, linux-aarch_64, osx-aarch_64).
// A package named without a classifier whose POM packaging is "so" gets this
// platform's classifier. Which platforms exist cannot be listed over HTTP, so they are
// read from the <classifier>s of the version-level g/a/v/maven-metadata.xml that
// `streamsubmit publish` (and Maven for SNAPSHOTs) writes.
#pragma once

#include "common/error.h"
#include "resolver/coordinate.h"
#include "resolver/metadata.h"

#include <string>
#include <vector>

namespace streamsubmit::resolver {

inline constexpr const char *kNativeExtension = "so";

// This machine's classifier, e.g. "linux-x86_64".
std::string platform_classifier();

// The classifiers with this extension that the metadata lists, sorted.
std::vector<std::string> platform_classifiers(const MavenMetadata &version_metadata, const std::string &extension);

// "no linux-x86_64 build of g:a:1.0; available: linux-aarch_64, osx-aarch_64".
Error missing_platform_error(const Coordinate &coordinate, const std::vector<std::string> &available,
                             const std::string &details);

} // namespace streamsubmit::resolver
