// maven-metadata.xml: g/a level (latest, release, versions) and g/a/v level for
// SNAPSHOTs (timestamp, buildNumber, snapshotVersions such as 1.0-20240101.120000-3).
#pragma once

#include "common/error.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace streamsubmit::resolver {

struct SnapshotVersion {
    std::string classifier, extension, value, updated;
};

struct MavenMetadata {
    std::string group, artifact, version;
    std::string latest, release, last_updated;
    std::vector<std::string> versions;
    std::string snapshot_timestamp; // "20240101.120000"
    int snapshot_build_number = 0;
    bool local_copy = false;
    std::vector<SnapshotVersion> snapshot_versions;

    // For a SNAPSHOT base version: the timestamped version of extension/classifier
    // ("1.0-20240101.120000-3"), or the base version when the metadata has none.
    std::string snapshot_value(const std::string &base_version, const std::string &extension,
                               const std::string &classifier) const;
};

Result<MavenMetadata> parse_metadata(std::string_view xml, std::string_view source);

// Union of versions (sorted by Maven order, duplicates removed); latest/release are the
// highest of either; lastUpdated the newest.
MavenMetadata merge_metadata(const MavenMetadata &a, const MavenMetadata &b);

std::string render_metadata(const MavenMetadata &m);

} // namespace streamsubmit::resolver
