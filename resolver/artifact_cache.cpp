#include "resolver/artifact_cache.h"

#include "common/read_file.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

namespace fs = std::filesystem;

namespace streamsubmit::resolver {
namespace {

std::atomic<unsigned> g_temp_counter{0};

Status make_dirs(const fs::path &dir) {
    std::error_code ec;
    if (fs::is_directory(dir, ec)) return ok_status();
    fs::path partial;
    for (const auto &part : dir) {
        partial /= part;
        if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST)
            return Error(ErrorKind::Resolution, std::string("cannot create cache directory: ") + std::strerror(errno),
                         partial.string(), "check the permissions of the cache directory or set STREAMSUBMIT_CACHE");
    }
    return ok_status();
}

bool fresh(const fs::path &p, std::chrono::seconds ttl) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return false;
    const auto age = std::chrono::system_clock::now() - std::chrono::system_clock::from_time_t(st.st_mtime);
    return age < ttl;
}

bool is_regular(const fs::path &p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string read_head(const fs::path &p, size_t n) {
    std::ifstream in(p, std::ios::binary);
    std::string s(n, '\0');
    in.read(s.data(), static_cast<std::streamsize>(n));
    s.resize(static_cast<size_t>(in.gcount()));
    return s;
}

Status fsync_file(const fs::path &p, bool directory) {
    const int fd = ::open(p.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) return Error(ErrorKind::Resolution, std::string("cannot open: ") + std::strerror(errno), p.string(), "");
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) return Error(ErrorKind::Resolution, std::string("fsync failed: ") + std::strerror(errno), p.string(),
                              "check free space in the cache directory");
    return ok_status();
}

void touch(const fs::path &p) {
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
    ::utimensat(AT_FDCWD, p.c_str(), nullptr, 0);
}

std::string temp_name(const fs::path &target) {
    return target.string() + ".part-" + std::to_string(::getpid()) + "-" + std::to_string(g_temp_counter++);
}

// Temporary files of a download killed earlier. Only the holder of the file's lock writes
// them, and we hold it, so every one left is dead.
void remove_stale_parts(const fs::path &target) {
    const std::string prefix = target.filename().string() + ".part-";
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(target.parent_path(), ec))
        if (entry.path().filename().string().starts_with(prefix)) fs::remove(entry.path(), ec);
}

// What a progress display counts as a file: not the metadata read on the way.
bool counts_as_file(const std::string &url) { return !url.ends_with("/maven-metadata.xml"); }

} // namespace

struct ArtifactCache::Work {
    const CacheRequest *request = nullptr;
    CacheResult *result = nullptr;
    fs::path target;
    int lock_fd = -1;
    fs::path temp;
    HttpResult http;
    // checksum sidecar attempts
    size_t algorithm = 0;
    fs::path sidecar_temp;
    HttpResult sidecar_http;
    bool sidecar_done = false;
    std::optional<std::string> expected;
    HashAlgorithm expected_algorithm = HashAlgorithm::Sha1;
};

fs::path default_cache_root() {
    if (const char *c = std::getenv("STREAMSUBMIT_CACHE"); c && *c) return c;
    if (const char *x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "streamsubmit";
    const char *home = std::getenv("HOME");
    return fs::path(home && *home ? home : "/tmp") / ".cache" / "streamsubmit";
}

bool looks_like_html(std::string_view head, std::string_view content_type) {
    if (content_type.find("text/html") != std::string_view::npos) return true;
    size_t i = 0;
    while (i < head.size() && std::isspace(static_cast<unsigned char>(head[i]))) ++i;
    std::string start;
    for (size_t j = i; j < head.size() && start.size() < 14; ++j)
        start += static_cast<char>(std::tolower(static_cast<unsigned char>(head[j])));
    return start.starts_with("<!doctype html") || start.starts_with("<html");
}

ArtifactCache::ArtifactCache(CacheOptions options, HttpClient &http) : options_(std::move(options)), http_(http) {}

HttpProgressFn ArtifactCache::http_progress(const std::vector<bool> &counted) const {
    if (!progress_) return {};
    return [this, &counted](const HttpProgress &p) {
        CacheProgress c;
        c.bytes = p.bytes;
        c.announced = p.announced;
        if (p.finished && p.index < counted.size() && counted[p.index] && p.finished->ok()) c.files = 1;
        if (c.files || c.bytes || c.announced) progress_(c);
    };
}

bool ArtifactCache::checks_sums(const Work &w) const {
    return options_.checksum_policy != ChecksumPolicy::Ignore && w.request->checksums;
}

fs::path ArtifactCache::path_for(const std::string &url) const {
    // scheme://host[:port]/path -> root/scheme/host[:port]/path ; query strings dropped.
    const auto sep = url.find("://");
    const std::string scheme = url.substr(0, sep);
    std::string rest = url.substr(sep + 3);
    if (const auto q = rest.find_first_of("?#"); q != std::string::npos) rest.resize(q);
    fs::path p = options_.root / scheme;
    size_t pos = 0;
    while (pos <= rest.size()) {
        const auto slash = rest.find('/', pos);
        std::string part = rest.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
        if (!part.empty() && part != "." && part != "..") p /= part;
        if (slash == std::string::npos) break;
        pos = slash + 1;
    }
    return p;
}

std::vector<CacheResult> ArtifactCache::fetch(const std::vector<CacheRequest> &requests) {
    // Every request in a batch holds a lock file open: keep batches well below the fd limit.
    constexpr size_t kBatch = 256;
    if (requests.size() > kBatch) {
        std::vector<CacheResult> all;
        for (size_t i = 0; i < requests.size(); i += kBatch) {
            const auto end = requests.begin() + static_cast<std::ptrdiff_t>(std::min(requests.size(), i + kBatch));
            auto part = fetch(std::vector<CacheRequest>(requests.begin() + static_cast<std::ptrdiff_t>(i), end));
            for (auto &r : part) all.push_back(std::move(r));
        }
        return all;
    }
    std::vector<CacheResult> results(requests.size());
    std::vector<Work> works(requests.size());
    std::vector<Work *> todo, deferred;
    const auto not_found_marker = [](const fs::path &t) { return fs::path(t.string() + ".404"); };

    auto from_cache = [&](Work &w) {
        const bool have = is_regular(w.target);
        if (have && (!w.request->changing || fresh(w.target, options_.ttl))) {
            w.result->status = CacheResult::Found;
            w.result->file = w.target;
            if (w.request->changing) note_changing_answer(w.target);
            return true;
        }
        const auto marker = not_found_marker(w.target);
        if (fresh(marker, options_.ttl)) {
            note_changing_answer(marker);
            w.result->status = CacheResult::NotFound;
            w.result->error = Error(ErrorKind::Resolution, "not found (remembered from an earlier 404)", w.request->url);
            return true;
        }
        if (options_.offline) {
            if (have) { // stale but usable offline
                w.result->status = CacheResult::Found;
                w.result->file = w.target;
                note_changing_answer(w.target);
            } else {
                w.result->status = CacheResult::NotFound;
                w.result->error = Error(ErrorKind::Resolution, "not in the cache (offline)", w.request->url,
                                        "run once without --offline to download it");
            }
            return true;
        }
        return false;
    };

    long long cached = 0; // files found in the cache, for the progress report
    auto count_cached = [&](const Work &w) {
        if (w.result->status == CacheResult::Found && counts_as_file(w.request->url)) ++cached;
    };
    auto report_cached = [&] {
        if (progress_ && cached > 0) progress_(CacheProgress{cached, 0, 0});
        cached = 0;
    };

    for (size_t i = 0; i < requests.size(); ++i) {
        Work &w = works[i];
        w.request = &requests[i];
        w.result = &results[i];
        w.target = path_for(requests[i].url);
        if (from_cache(w)) {
            count_cached(w);
            continue;
        }
        if (auto st = make_dirs(w.target.parent_path()); !st) {
            w.result->status = CacheResult::Failed;
            w.result->error = st.error();
            continue;
        }
        const fs::path lock = w.target.string() + ".lock";
        w.lock_fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (w.lock_fd < 0) {
            w.result->status = CacheResult::Failed;
            w.result->error = Error(ErrorKind::Resolution, std::string("cannot create lock file: ") + std::strerror(errno),
                                    lock.string(), "check the permissions of the cache directory");
            continue;
        }
        if (::flock(w.lock_fd, LOCK_EX | LOCK_NB) == 0) {
            if (from_cache(w)) { // another process finished it meanwhile
                count_cached(w);
                ::close(w.lock_fd);
                w.lock_fd = -1;
                continue;
            }
            todo.push_back(&w);
        } else {
            deferred.push_back(&w);
        }
    }
    report_cached();
    download(todo);
    // Files another process is downloading: wait for its lock (holding none ourselves),
    // then use its result or download what it left.
    std::vector<Work *> second;
    for (Work *w : deferred) {
        while (::flock(w->lock_fd, LOCK_EX) != 0 && errno == EINTR) {
        }
        if (from_cache(*w)) {
            count_cached(*w);
            report_cached();
            ::close(w->lock_fd);
            w->lock_fd = -1;
            continue;
        }
        second.push_back(w);
    }
    download(second);
    return results;
}

void ArtifactCache::download(std::vector<Work *> &batch) {
    if (batch.empty()) return;
    std::vector<HttpRequest> reqs;
    std::vector<bool> counted; // requests whose success is a file for the progress report
    for (Work *w : batch) {
        remove_stale_parts(w->target);
        w->temp = temp_name(w->target);
        reqs.push_back({w->request->url, w->request->credentials, w->temp, "GET", {}});
        counted.push_back(counts_as_file(w->request->url));
        if (checks_sums(*w)) {
            w->sidecar_temp = temp_name(w->target) + ".sum";
            reqs.push_back({w->request->url + "." + std::string(algorithm_extension(kSidecarAlgorithms[0])),
                            w->request->credentials, w->sidecar_temp, "GET", {}});
            counted.push_back(false);
        }
    }
    auto results = http_.perform(reqs, http_progress(counted));
    size_t k = 0;
    for (Work *w : batch) {
        w->http = results[k++];
        if (checks_sums(*w)) w->sidecar_http = results[k++];
    }
    // Sidecars in the other algorithms, one round per algorithm, only where needed.
    for (size_t alg = 0; alg < kSidecarAlgorithms.size(); ++alg) {
        std::vector<Work *> next;
        std::vector<HttpRequest> more;
        for (Work *w : batch) {
            if (!checks_sums(*w) || w->sidecar_done || !w->http.ok()) continue;
            if (w->sidecar_http.ok()) {
                w->expected = parse_checksum_file(read_file(w->sidecar_temp), kSidecarAlgorithms[alg]);
                w->expected_algorithm = kSidecarAlgorithms[alg];
                if (!w->expected) w->expected = std::string("unparseable");
                w->sidecar_done = true;
                continue;
            }
            if (alg + 1 >= kSidecarAlgorithms.size()) {
                w->sidecar_done = true;
                continue;
            }
            next.push_back(w);
            more.push_back({w->request->url + "." + std::string(algorithm_extension(kSidecarAlgorithms[alg + 1])),
                            w->request->credentials, w->sidecar_temp, "GET", {}});
        }
        if (next.empty()) break;
        const std::vector<bool> sidecars(more.size(), false);
        auto r = http_.perform(more, http_progress(sidecars));
        for (size_t i = 0; i < next.size(); ++i) next[i]->sidecar_http = r[i];
    }
    for (Work *w : batch) {
        verify_and_commit(*w);
        std::error_code ec;
        fs::remove(w->temp, ec);
        if (!w->sidecar_temp.empty()) fs::remove(w->sidecar_temp, ec);
        if (w->lock_fd >= 0) ::close(w->lock_fd);
        w->lock_fd = -1;
    }
}

void ArtifactCache::note_changing_answer(const fs::path &file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) return;
    const auto when = std::chrono::system_clock::from_time_t(st.st_mtime);
    if (!oldest_changing_ || when < *oldest_changing_) oldest_changing_ = when;
}

void ArtifactCache::verify_and_commit(Work &w) {
    const std::string &url = w.request->url;
    CacheResult &r = *w.result;
    auto fail = [&](std::string what, std::string hint) {
        // A stale copy of a changing file beats no file at all.
        if (w.request->changing && is_regular(w.target)) {
            if (options_.log) options_.log("warning: " + what + " (" + url + "); using the cached copy");
            r.status = CacheResult::Found;
            r.file = w.target;
            return;
        }
        r.status = CacheResult::Failed;
        r.error = Error(ErrorKind::Resolution, std::move(what), url, std::move(hint));
    };
    const HttpResult &h = w.http;
    if (!h.error.empty()) {
        if (h.error.find("certificate") != std::string::npos || h.error.find("SSL") != std::string::npos)
            return fail("TLS failure: " + h.error,
                        "if the repository uses a private CA, give its certificate with --ca-bundle "
                        "(resolver.caBundle); otherwise check the repository URL");
        return fail("download failed after " + std::to_string(h.attempts) + " attempt(s): " + h.error,
                    "check the network, proxy settings (https_proxy, no_proxy) and the repository URL; run again later");
    }
    if (h.status == 404 || h.status == 410) {
        touch(fs::path(w.target.string() + ".404"));
        r.status = CacheResult::NotFound;
        r.error = Error(ErrorKind::Resolution, "not found (HTTP " + std::to_string(h.status) + ")", url);
        return;
    }
    if (h.status == 401 || h.status == 403) {
        const auto &c = w.request->credentials;
        const std::string used =
            !c.source.empty() ? "credentials from " + c.source
                              : (c.netrc ? "no credentials (none in the URL or the environment; ~/.netrc had none "
                                           "that curl used)"
                                         : "no credentials");
        r.status = CacheResult::Failed;
        r.error = Error(ErrorKind::Resolution,
                        "access denied (HTTP " + std::to_string(h.status) + "); sent " + used, url,
                        "give credentials in the repository URL (https://user:password@host/...), in "
                        "STREAMSUBMIT_REPO_USER/STREAMSUBMIT_REPO_PASSWORD or STREAMSUBMIT_REPO_TOKEN, or in ~/.netrc");
        return;
    }
    if (h.status != 200)
        return fail("unexpected HTTP status " + std::to_string(h.status) + " after " + std::to_string(h.attempts) +
                        " attempt(s)",
                    "the repository is failing; try again later or use another repository");
    if (looks_like_html(read_head(w.temp, 512), h.content_type) && !url.ends_with(".html"))
        return fail("the server returned an HTML page instead of the file (a login or error page?)",
                    "check the repository URL and credentials; nothing was cached");

    if (checks_sums(w)) {
        if (!w.expected) {
            if (options_.checksum_policy == ChecksumPolicy::Fail)
                return fail("no checksum file (.sha1, .sha256, .sha512, .md5) next to it",
                            "the repository does not publish checksums; use --conf resolver.checksumPolicy=warn "
                            "to accept the file anyway");
            if (options_.log) options_.log("warning: no checksum published for " + url + "; accepted unverified");
        } else if (*w.expected == "unparseable") {
            return fail("the checksum file " + url + "." + std::string(algorithm_extension(w.expected_algorithm)) +
                            " does not hold a " + std::string(algorithm_extension(w.expected_algorithm)) + " value",
                        "the repository serves broken checksum files; report it, or use "
                        "--conf resolver.checksumPolicy=ignore to skip verification");
        } else {
            auto actual = hash_file(w.temp, w.expected_algorithm);
            if (!actual) return fail(actual.error().what, actual.error().hint);
            if (*w.expected != *actual)
                return fail("checksum mismatch: " + std::string(algorithm_extension(w.expected_algorithm)) +
                                " expected " + *w.expected + " (from " + url + "." +
                                std::string(algorithm_extension(w.expected_algorithm)) + "), actual " + *actual,
                            "the download is corrupt or the repository is inconsistent; nothing was cached; try "
                            "again, or report it to the repository's owner");
        }
    }
    if (auto st = fsync_file(w.temp, false); !st) return fail(st.error().what, st.error().hint);
    if (::rename(w.temp.c_str(), w.target.c_str()) != 0)
        return fail(std::string("cannot move the download into the cache: ") + std::strerror(errno),
                    "check the permissions of the cache directory");
    if (w.expected && *w.expected != "unparseable") {
        // Keep the checksum beside the file, like Maven's local repository.
        const fs::path sum = w.target.string() + "." + std::string(algorithm_extension(w.expected_algorithm));
        std::ofstream(sum) << *w.expected << "\n";
    }
    (void)fsync_file(w.target.parent_path(), true);
    std::error_code ec;
    fs::remove(fs::path(w.target.string() + ".404"), ec);
    r.status = CacheResult::Found;
    r.file = w.target;
    r.downloaded = true;
}

} // namespace streamsubmit::resolver
