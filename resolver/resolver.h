// The resolver's façade: coordinates in, a mediated dependency graph with local files out.
#pragma once

#include "common/error.h"
#include "resolver/checksum.h"
#include "resolver/coordinate.h"
#include "resolver/publish.h"
#include "resolver/signature_policy.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace streamsubmit::resolver {

inline constexpr const char *kMavenCentral = "https://repo1.maven.org/maven2";

// Where the download of the resolved artifact files stands (the POMs read while building the
// graph are not counted). Numbers only: drawing them is the caller's business.
struct DownloadProgress {
    long long files_done = 0;        // found in the cache or downloaded (never above files_total)
    long long files_total = 0;       // artifact files of the resolution
    long long bytes_done = 0;        // received from the network; files already cached add none
    long long bytes_total_known = 0; // sizes announced (Content-Length) by the downloads started so far
};

struct ResolverSettings {
    std::vector<std::string> repositories;                          // the user's, tried after ~/.m2
    std::vector<std::string> default_repositories{kMavenCentral};   // tried last
    std::vector<std::string> exclusions;                            // g:a, '*' allowed
    bool offline = false;                                           // cache (and file repositories) only
    bool no_download = false;                                       // POMs only: the graph without the files
    std::optional<std::filesystem::path> lockfile;
    std::chrono::seconds ttl{86400};
    ChecksumPolicy checksum_policy = ChecksumPolicy::Warn;
    // OpenPGP signatures (.asc) of the artifact files: the policy (nullopt: require for
    // native plugins and applications, warn for the rest) and the keys trusted to sign.
    std::optional<SignaturePolicy> signature_policy;
    std::vector<std::string> trusted_keys;       // key files, directories of them, fingerprints
    std::vector<std::string> allow_insecure_http; // hosts whose http:// repositories are used anyway
    std::optional<std::filesystem::path> ca_bundle;
    std::optional<std::filesystem::path> cache_dir;                 // default: default_cache_root()
    std::optional<std::filesystem::path> local_repository;          // default: ~/.m2/repository if present
    bool use_local_repository = true;
    bool progress = false;                                          // the caller wants on_progress called
    // With `progress`: called on the resolving thread at most ~10 times a second while the
    // artifact files are fetched, and once more when they all are.
    std::function<void(const DownloadProgress &)> on_progress;
    // Low-speed and connect timeouts; STREAMSUBMIT_HTTP_TIMEOUT (seconds) overrides.
    std::chrono::seconds http_timeout{30};
    int http_retries = 3;                                           // STREAMSUBMIT_HTTP_RETRIES overrides
    // Also read from the environment: STREAMSUBMIT_HTTP_BACKOFF_MS (first retry delay, default
    // 250) and STREAMSUBMIT_HTTP_MAX_SIZE (bytes per file, default 1 GiB).
    std::function<void(std::string_view)> log;                      // diagnostics → stderr by the caller
};

struct ResolvedArtifact {
    Coordinate coordinate;
    std::string scope;
    std::string repository;
    std::filesystem::path path; // empty with no_download
    std::string sha256;         // only when a lockfile is written or read (pinned)
    std::string signing_key;    // fingerprint of the trusted key that signed the file; empty: unverified
    int depth = 1;
    std::vector<size_t> children;
};

struct Resolution {
    std::vector<ResolvedArtifact> artifacts; // dependencies before dependents
    std::vector<size_t> roots;
    long long network_transfers = 0;         // HTTP transfers this resolution made
    long long network_bytes = 0;             // body bytes those transfers received

    // Like `mvn dependency:tree`: "g:a:type[:classifier]:version:scope" with +- \- | prefixes.
    std::string tree_text() const { return tree_text(false); }
    std::string tree_text(bool with_paths) const;
    // Like `mvn dependency:list`, one artifact per line in tree order.
    std::string list_text() const { return list_text(false); }
    std::string list_text(bool with_paths) const;
    // Files with extension so, dependencies first.
    std::vector<std::filesystem::path> native_plugins() const;
};

Result<Resolution> resolve(const std::vector<std::string> &coordinates, const ResolverSettings &settings);

} // namespace streamsubmit::resolver
