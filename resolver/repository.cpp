#include "resolver/repository.h"

#include "common/read_file.h"

#include "resolver/pom.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sys/stat.h>

namespace fs = std::filesystem;

namespace streamsubmit::resolver {
namespace {

std::string getenv_str(const char *name) {
    const char *v = std::getenv(name);
    return v ? v : "";
}

std::string join_tried(const std::vector<std::string> &tried) {
    std::string out;
    for (const auto &t : tried) out += "\n  tried " + t;
    return out;
}

// Scheme and host in lower case, no default port, no trailing slash: one spelling per URL.
std::string normalise_url(std::string spec) {
    while (spec.size() > 1 && spec.back() == '/' && !spec.ends_with("://")) spec.pop_back();
    const auto scheme_end = spec.find("://");
    if (scheme_end == std::string::npos) return spec;
    std::transform(spec.begin(), spec.begin() + static_cast<std::ptrdiff_t>(scheme_end), spec.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (spec.starts_with("file://")) return spec;
    const auto at = spec.rfind('@', spec.find('/', scheme_end + 3));
    const auto host_start = at == std::string::npos || at < scheme_end ? scheme_end + 3 : at + 1;
    const auto host_end = std::min(spec.find('/', host_start), spec.size());
    std::string host = spec.substr(host_start, host_end - host_start);
    std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const std::string default_port = spec.starts_with("https://") ? ":443" : ":80";
    if (host.ends_with(default_port)) host.resize(host.size() - default_port.size());
    return spec.substr(0, host_start) + host + spec.substr(host_end);
}

} // namespace

std::optional<fs::path> default_local_repository() {
    const char *home = std::getenv("HOME");
    if (!home || !*home) return std::nullopt;
    fs::path p = fs::path(home) / ".m2" / "repository";
    std::error_code ec;
    if (!fs::is_directory(p, ec)) return std::nullopt;
    return p;
}

std::string repository_identity(const Repository &repo) {
    static const char *const central[] = {"repo1.maven.org/maven2", "repo.maven.apache.org/maven2",
                                          "central.maven.org/maven2", "repo.maven.org/maven2"};
    if (repo.kind == Repository::Kind::Http) {
        const std::string rest = repo.url.substr(repo.url.find("://") + 3);
        for (const char *c : central)
            if (rest == c) return "central";
    }
    return repo.kind == Repository::Kind::Http ? repo.url : "file://" + repo.dir.lexically_normal().string();
}

Result<Repository> parse_repository(const std::string &raw, bool is_default) {
    std::string spec = raw;
    while (!spec.empty() && (spec.back() == ' ' || spec.back() == '\t')) spec.pop_back();
    while (!spec.empty() && (spec.front() == ' ' || spec.front() == '\t')) spec.erase(0, 1);
    spec = normalise_url(std::move(spec));
    Repository repo;
    repo.is_default = is_default;
    if (spec.starts_with("file://")) {
        repo.kind = Repository::Kind::File;
        repo.dir = spec.substr(7);
        repo.url = spec;
        if (repo.dir.empty() || !repo.dir.is_absolute())
            return Error(ErrorKind::Usage, "file repository URL must name an absolute path", raw,
                         "write file:///absolute/path/to/repository");
        return repo;
    }
    if (!spec.starts_with("http://") && !spec.starts_with("https://")) {
        const auto split = split_userinfo(spec);
        return Error(ErrorKind::Usage, "unsupported repository URL", split.url,
                     "use http://, https:// or file:// URLs, separated by commas");
    }
    const auto split = split_userinfo(spec);
    repo.url = split.url;
    const auto host_start = repo.url.find("://") + 3;
    if (host_start >= repo.url.size() || repo.url[host_start] == '/')
        return Error(ErrorKind::Usage, "repository URL has no host", repo.url, "write https://host/path");
    if (!split.user.empty()) {
        repo.credentials.user = split.user;
        repo.credentials.password = split.password;
        repo.credentials.source = "the repository URL's user info";
    } else if (!is_default && !getenv_str("STREAMSUBMIT_REPO_TOKEN").empty()) {
        repo.credentials.token = getenv_str("STREAMSUBMIT_REPO_TOKEN");
        repo.credentials.source = "STREAMSUBMIT_REPO_TOKEN (bearer token)";
    } else if (!is_default && !getenv_str("STREAMSUBMIT_REPO_USER").empty()) {
        repo.credentials.user = getenv_str("STREAMSUBMIT_REPO_USER");
        repo.credentials.password = getenv_str("STREAMSUBMIT_REPO_PASSWORD");
        repo.credentials.source = "STREAMSUBMIT_REPO_USER/STREAMSUBMIT_REPO_PASSWORD";
    } else {
        repo.credentials.netrc = true;
    }
    return repo;
}

void RepositoryChain::discard_if_cached(const fs::path &file) {
    // A broken file must not stay in the cache, or every later run would fail on it.
    const auto root = cache_.options().root.lexically_normal().string();
    if (!file.lexically_normal().string().starts_with(root)) return;
    std::error_code ec;
    fs::remove(file, ec);
    for (const auto a : kAllAlgorithms) fs::remove(file.string() + "." + std::string(algorithm_extension(a)), ec);
    if (log_) log_("removed the broken file from the cache: " + file.string());
}

Status RepositoryChain::verify_local_file(const fs::path &file) {
    const auto policy = cache_.options().checksum_policy;
    if (policy == ChecksumPolicy::Ignore) return ok_status();
    for (const auto a : kSidecarAlgorithms) {
        const fs::path sum = file.string() + "." + std::string(algorithm_extension(a));
        if (!regular_file_exists(sum)) continue;
        const auto expected = parse_checksum_file(read_file(sum), a);
        auto actual = hash_file(file, a);
        if (!actual) return actual.error();
        if (!expected || *expected != *actual)
            return Error(ErrorKind::Resolution,
                         "checksum mismatch: " + std::string(algorithm_extension(a)) + " expected " +
                             (expected ? *expected : std::string("(unparseable)")) + " (from " + sum.string() +
                             "), actual " + *actual,
                         file.string(), "the repository's file is corrupt; republish it");
        return ok_status();
    }
    if (policy == ChecksumPolicy::Fail)
        return Error(ErrorKind::Resolution, "no checksum file (.sha1, .sha256, .sha512, .md5) next to it", file.string(),
                     "the repository does not publish checksums; use --checksum-policy warn to accept it");
    if (log_) log_("warning: no checksum next to " + file.string() + "; accepted unverified");
    return ok_status();
}

RepositoryChain::RepositoryChain(std::vector<Repository> repositories, ArtifactCache &cache,
                                 std::function<void(std::string_view)> log)
    : repositories_(std::move(repositories)), cache_(cache), log_(std::move(log)) {}

std::vector<Result<Located>> RepositoryChain::locate(const std::vector<Coordinate> &coords) {
    const size_t n = coords.size();
    std::vector<std::optional<Located>> found(n);
    std::vector<std::vector<std::string>> tried(n);
    std::vector<std::optional<Error>> failure(n);
    for (const auto &repo : repositories_) {
        std::vector<size_t> pending;
        for (size_t i = 0; i < n; ++i)
            if (!found[i]) pending.push_back(i);
        if (pending.empty()) break;
        // SNAPSHOTs: the file name comes from this repository's version-level metadata.
        std::vector<std::string> files(n);
        for (const size_t i : pending) files[i] = coords[i].path();
        std::vector<size_t> snapshots;
        for (const size_t i : pending)
            if (coords[i].version.ends_with("-SNAPSHOT")) snapshots.push_back(i);
        if (!snapshots.empty() && repo.kind != Repository::Kind::Local) {
            std::vector<CacheRequest> meta_reqs;
            std::vector<fs::path> meta_files(snapshots.size());
            for (size_t k = 0; k < snapshots.size(); ++k) {
                const auto &c = coords[snapshots[k]];
                const std::string rel = group_path(c.group) + "/" + c.artifact + "/" + c.version + "/maven-metadata.xml";
                if (repo.kind == Repository::Kind::File) meta_files[k] = repo.dir / rel;
                else meta_reqs.push_back({repo.url + "/" + rel, repo.credentials, true});
            }
            if (repo.kind == Repository::Kind::Http) {
                auto res = cache_.fetch(meta_reqs);
                for (size_t k = 0; k < res.size(); ++k)
                    if (res[k].status == CacheResult::Found) meta_files[k] = res[k].file;
            }
            for (size_t k = 0; k < snapshots.size(); ++k) {
                if (meta_files[k].empty() || !regular_file_exists(meta_files[k])) continue;
                auto m = parse_metadata(read_file(meta_files[k]), meta_files[k].string());
                if (!m) continue;
                Coordinate c = coords[snapshots[k]];
                c.version = m->snapshot_value(c.version, c.extension, c.classifier);
                files[snapshots[k]] = c.path();
            }
        }
        if (repo.kind != Repository::Kind::Http) {
            for (const size_t i : pending) {
                const fs::path p = repo.dir / files[i];
                if (!regular_file_exists(p)) {
                    tried[i].push_back(p.string());
                    continue;
                }
                // Files of a file:// repository are verified like downloads (not ~/.m2's, as Maven).
                if (repo.kind == Repository::Kind::File) {
                    if (auto st = verify_local_file(p); !st) {
                        tried[i].push_back(p.string());
                        if (!failure[i]) failure[i] = st.error();
                        continue;
                    }
                }
                found[i] = Located{p, repo.url, "file://" + p.string()};
            }
            continue;
        }
        std::vector<CacheRequest> reqs;
        for (const size_t i : pending)
            reqs.push_back({repo.url + "/" + files[i], repo.credentials, coords[i].is_snapshot()});
        auto res = cache_.fetch(reqs);
        for (size_t k = 0; k < pending.size(); ++k) {
            const size_t i = pending[k];
            tried[i].push_back(reqs[k].url);
            if (res[k].status == CacheResult::Found) found[i] = Located{res[k].file, repo.url, reqs[k].url};
            else if (res[k].status == CacheResult::Failed && !failure[i]) failure[i] = res[k].error;
            else if (res[k].status == CacheResult::NotFound && cache_.options().offline)
                tried[i].back() += " (offline: not in the cache)";
        }
    }
    std::vector<Result<Located>> out;
    for (size_t i = 0; i < n; ++i) {
        if (found[i]) {
            if (failure[i] && log_)
                log_("warning: " + failure[i]->what + " (" + failure[i]->input + "); found in " + found[i]->repository);
            out.emplace_back(*found[i]);
        } else if (failure[i]) {
            Error e = *failure[i];
            e.what = "cannot download " + coords[i].to_string() + ": " + e.what + join_tried(tried[i]);
            out.emplace_back(e);
        } else {
            const bool offline = cache_.options().offline;
            out.emplace_back(Error(ErrorKind::Resolution,
                                   std::string(offline ? "not available offline: " : "artifact not found: ") +
                                       coords[i].to_string() + join_tried(tried[i]),
                                   coords[i].to_string(),
                                   offline ? "run once without --offline so it gets downloaded into the cache"
                                           : "check the coordinate's spelling and version, or add the repository "
                                             "that has it with --repositories"));
        }
    }
    return out;
}

bool RepositoryChain::has_pom(const Gav &gav) const { return poms_.count(gav.to_string()) > 0; }

void RepositoryChain::prefetch_poms(const std::vector<Gav> &gavs) {
    std::vector<Coordinate> coords;
    std::vector<std::string> keys;
    for (const auto &g : gavs) {
        if (has_pom(g) || std::find(keys.begin(), keys.end(), g.to_string()) != keys.end()) continue;
        if (!is_safe_part(g.group) || !is_safe_part(g.artifact) || !is_safe_part(g.version)) continue;
        coords.push_back(Coordinate{g.group, g.artifact, g.version, "pom", ""});
        keys.push_back(g.to_string());
    }
    if (coords.empty()) return;
    auto located = locate(coords);
    for (size_t i = 0; i < coords.size(); ++i) {
        if (!located[i]) {
            if (located[i].error().what.starts_with("artifact not found: ")) pom_not_found_.insert(keys[i]);
            poms_.emplace(keys[i], located[i].error());
            continue;
        }
        std::string text = read_file(located[i]->file);
        if (auto parsed = parse_pom(text, located[i]->url); !parsed) {
            discard_if_cached(located[i]->file);
            poms_.emplace(keys[i], parsed.error());
            continue;
        }
        poms_.emplace(keys[i], PomText{std::move(text), located[i]->url});
        pom_repo_[keys[i]] = located[i]->repository;
    }
}

Result<PomText> RepositoryChain::pom(const Gav &gav) {
    if (!is_safe_part(gav.group) || !is_safe_part(gav.artifact) || !is_safe_part(gav.version))
        return Error(ErrorKind::Resolution, "unusable coordinate in a POM: " + gav.to_string(), gav.to_string(),
                     "the coordinate contains '..', '/', '\\' or an unresolved ${property}");
    if (!has_pom(gav)) prefetch_poms({gav});
    return poms_.at(gav.to_string());
}

std::string RepositoryChain::pom_repository(const Gav &gav) const {
    auto it = pom_repo_.find(gav.to_string());
    return it == pom_repo_.end() ? std::string() : it->second;
}

std::vector<Result<MavenMetadata>> RepositoryChain::merged_metadata(const std::vector<std::string> &dirs,
                                                                    const std::vector<std::string> &labels) {
    const size_t n = dirs.size();
    std::vector<std::optional<MavenMetadata>> merged(n);
    std::vector<std::vector<std::string>> tried(n);
    std::vector<std::optional<Error>> failure(n);
    std::vector<CacheRequest> reqs;
    std::vector<size_t> req_index;
    auto add = [&](size_t i, const std::string &text, const std::string &source) {
        auto m = parse_metadata(text, source);
        if (!m) {
            if (!failure[i]) failure[i] = m.error();
            return;
        }
        merged[i] = merged[i] ? merge_metadata(*merged[i], *m) : *m;
    };
    for (const auto &repo : repositories_) {
        for (size_t i = 0; i < n; ++i) {
            if (repo.kind == Repository::Kind::Http) {
                reqs.push_back({repo.url + "/" + dirs[i] + "/maven-metadata.xml", repo.credentials, true});
                req_index.push_back(i);
                continue;
            }
            for (const char *name : {"maven-metadata.xml", "maven-metadata-local.xml"}) {
                const fs::path p = repo.dir / dirs[i] / name;
                if (repo.kind == Repository::Kind::Local && std::string(name) == "maven-metadata.xml") continue;
                tried[i].push_back(p.string());
                if (regular_file_exists(p)) add(i, read_file(p), p.string());
            }
        }
    }
    auto res = cache_.fetch(reqs);
    for (size_t k = 0; k < reqs.size(); ++k) {
        const size_t i = req_index[k];
        tried[i].push_back(reqs[k].url);
        if (res[k].status == CacheResult::Found) {
            const bool had_failure = failure[i].has_value();
            add(i, read_file(res[k].file), reqs[k].url);
            if (!had_failure && failure[i]) discard_if_cached(res[k].file);
        }
        else if (res[k].status == CacheResult::Failed && !failure[i]) failure[i] = res[k].error;
    }
    std::vector<Result<MavenMetadata>> out;
    for (size_t i = 0; i < n; ++i) {
        if (merged[i]) {
            if (failure[i] && log_) log_("warning: " + failure[i]->what + " (" + failure[i]->input + ")");
            out.emplace_back(*merged[i]);
        } else if (failure[i]) {
            Error e = *failure[i];
            e.what = "cannot read the versions of " + labels[i] + ": " + e.what + join_tried(tried[i]);
            out.emplace_back(e);
        } else {
            const bool offline = cache_.options().offline;
            out.emplace_back(Error(ErrorKind::Resolution,
                                   "no maven-metadata.xml for " + labels[i] + " in any repository" +
                                       (offline ? " (offline: only the cache was read)" : "") + join_tried(tried[i]),
                                   labels[i],
                                   offline ? "run once without --offline so the versions get cached"
                                           : "check the coordinate, or name an exact version instead of a range"));
        }
    }
    return out;
}

void RepositoryChain::prefetch_metadata(const std::vector<std::pair<std::string, std::string>> &keys) {
    std::vector<std::string> dirs, labels;
    for (const auto &[g, a] : keys) {
        const std::string label = g + ":" + a;
        if (metadata_.count(label) || std::find(labels.begin(), labels.end(), label) != labels.end()) continue;
        if (!is_safe_part(g) || !is_safe_part(a)) continue;
        dirs.push_back(group_path(g) + "/" + a);
        labels.push_back(label);
    }
    if (dirs.empty()) return;
    auto res = merged_metadata(dirs, labels);
    for (size_t i = 0; i < labels.size(); ++i) metadata_.emplace(labels[i], std::move(res[i]));
}

Result<MavenMetadata> RepositoryChain::metadata(const std::string &group, const std::string &artifact) {
    if (!is_safe_part(group) || !is_safe_part(artifact))
        return Error(ErrorKind::Resolution, "unusable coordinate: " + group + ":" + artifact, group + ":" + artifact,
                     "the coordinate contains '..', '/' or '\\'");
    const std::string label = group + ":" + artifact;
    if (!metadata_.count(label)) prefetch_metadata({{group, artifact}});
    return metadata_.at(label);
}

Result<MavenMetadata> RepositoryChain::version_metadata(const std::string &group, const std::string &artifact,
                                                        const std::string &version) {
    return merged_metadata({group_path(group) + "/" + artifact + "/" + version},
                           {group + ":" + artifact + ":" + version})[0];
}

} // namespace streamsubmit::resolver
