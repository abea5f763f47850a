// The download cache, laid out by URL like Coursier's (root/https/host/path), so one
// coordinate from two repositories never mixes. Downloads go to a temporary file beside
// the target, are checked (status 200, not an HTML page, checksum sidecar), fsynced and
// renamed into place, under a per-file lock (flock on "<file>.lock"; no global lock), so
// concurrent processes cooperate and a killed download leaves nothing a later run uses.
// Changing files (maven-metadata.xml, SNAPSHOTs) are re-fetched after the TTL; releases
// never; 404s are remembered for the TTL.
#pragma once

#include "common/error.h"
#include "resolver/checksum.h"
#include "resolver/http_client.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace streamsubmit::resolver {

struct CacheOptions {
    std::filesystem::path root;
    std::chrono::seconds ttl{86400};
    bool offline = false;
    ChecksumPolicy checksum_policy = ChecksumPolicy::Warn;
    std::function<void(std::string_view)> log;
};

struct CacheRequest {
    std::string url;           // no user info
    Credentials credentials;
    bool changing = false;     // metadata or SNAPSHOT: subject to the TTL
    bool checksums = true;     // false for a signature (.asc): it proves itself, and needs no sidecar
};

struct CacheResult {
    enum Status { Found, NotFound, Failed } status = Failed;
    std::filesystem::path file; // when Found
    Error error;                // when Failed (and a description when NotFound)
    bool downloaded = false;
};

// Numbers for a progress display while fetch() runs; maven-metadata.xml files do not count.
struct CacheProgress {
    long long files = 0;     // files ready since the previous report: found in the cache, or downloaded
    long long bytes = 0;     // bytes received from the network since the previous report
    long long announced = 0; // sizes the servers announced (Content-Length) since the previous report
};

class ArtifactCache {
public:
    ArtifactCache(CacheOptions options, HttpClient &http);

    // fetch() reports to `fn`, on the calling thread, until it is reset with {}.
    void set_progress(std::function<void(const CacheProgress &)> fn) { progress_ = std::move(fn); }

    // Every request, downloading in parallel what is missing or stale.
    std::vector<CacheResult> fetch(const std::vector<CacheRequest> &requests);

    std::filesystem::path path_for(const std::string &url) const;
    const CacheOptions &options() const { return options_; }

    // When the oldest changing file (maven-metadata.xml, SNAPSHOT, remembered 404) that
    // fetch() answered from the cache was fetched; nullopt when every answer was fresh or
    // immutable. A result built from these is good until this + TTL.
    std::optional<std::chrono::system_clock::time_point> oldest_changing_answer() const { return oldest_changing_; }

private:
    struct Work;
    void download(std::vector<Work *> &batch);
    void verify_and_commit(Work &w);
    bool checks_sums(const Work &w) const;
    HttpProgressFn http_progress(const std::vector<bool> &counted) const;
    CacheOptions options_;
    HttpClient &http_;
    std::function<void(const CacheProgress &)> progress_;
    std::optional<std::chrono::system_clock::time_point> oldest_changing_;
    void note_changing_answer(const std::filesystem::path &file);
};

// $STREAMSUBMIT_CACHE, else $XDG_CACHE_HOME/streamsubmit, else ~/.cache/streamsubmit.
std::filesystem::path default_cache_root();

// A body that is an HTML page rather than an artifact (a proxy's or portal's error page).
bool looks_like_html(std::string_view head, std::string_view content_type);

} // namespace streamsubmit::resolver
