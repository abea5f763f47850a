#include "resolver/resolver.h"

#include "resolver/artifact_cache.h"
#include "resolver/dependency_graph.h"
#include "resolver/effective_pom.h"
#include "resolver/graph_cache.h"
#include "resolver/lockfile.h"
#include "resolver/platform.h"
#include "resolver/pom_interpolation.h"
#include "resolver/repository.h"
#include "resolver/signature_check.h"
#include "resolver/transport_policy.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <set>

namespace fs = std::filesystem;

namespace streamsubmit::resolver {
namespace {

std::string label(const Coordinate &c, const std::string &scope) {
    std::string out = c.group + ":" + c.artifact + ":" + c.printed_type() + ":";
    if (!c.classifier.empty()) out += c.classifier + ":";
    return out + c.version + ":" + scope;
}

int env_int(const char *name, int fallback) {
    const char *v = std::getenv(name);
    if (!v || !*v) return fallback;
    char *end = nullptr;
    const long n = std::strtol(v, &end, 10);
    return end && *end == 0 && n >= 0 ? static_cast<int>(n) : fallback;
}

Status make_private_dirs(const fs::path &dir) {
    fs::path partial;
    for (const auto &part : dir) {
        partial /= part;
        if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST)
            return Error(ErrorKind::Resolution, std::string("cannot create the cache directory: ") + std::strerror(errno),
                         partial.string(), "set STREAMSUBMIT_CACHE (or give streamsubmit resolve --cache-dir DIR) to a writable directory");
    }
    return ok_status();
}

// Post-order over the tree: dependencies before dependents.
void post_order(const std::vector<GraphNode> &nodes, size_t idx, std::vector<size_t> &order) {
    for (size_t c : nodes[idx].children) post_order(nodes, c, order);
    order.push_back(idx);
}

// Feeds settings.on_progress from the cache's reports while artifact files are located:
// throttled to ~10 reports a second, with a last one when done.
class ProgressMeter {
public:
    ProgressMeter(ArtifactCache &cache, const ResolverSettings &s, size_t files) : cache_(cache) {
        if (!s.progress || !s.on_progress || files == 0) return;
        report_ = s.on_progress;
        now_.files_total = static_cast<long long>(files);
        cache_.set_progress([this](const CacheProgress &c) {
            now_.files_done = std::min(now_.files_total, now_.files_done + c.files);
            now_.bytes_done += c.bytes;
            now_.bytes_total_known += c.announced;
            unreported_ = true;
            const auto t = std::chrono::steady_clock::now();
            if (t - last_ < std::chrono::milliseconds(100)) return;
            last_ = t;
            unreported_ = false;
            report_(now_);
        });
        last_ = std::chrono::steady_clock::now();
        report_(now_);
    }
    ~ProgressMeter() { cache_.set_progress({}); }
    ProgressMeter(const ProgressMeter &) = delete;
    ProgressMeter &operator=(const ProgressMeter &) = delete;

    // Files the cache never saw (~/.m2, file:// repositories) are done too once located.
    void finish(long long located) {
        if (!report_) return;
        const long long files = std::min(now_.files_total, std::max(now_.files_done, located));
        if (files == now_.files_done && !unreported_) return; // the last report said it all
        now_.files_done = files;
        report_(now_);
    }

private:
    ArtifactCache &cache_;
    std::function<void(const DownloadProgress &)> report_;
    DownloadProgress now_;
    bool unreported_ = false; // now_ changed since the last report
    std::chrono::steady_clock::time_point last_{};
};

std::vector<Result<Located>> locate_files(RepositoryChain &chain, ArtifactCache &cache, const ResolverSettings &s,
                                          const std::vector<Coordinate> &coords) {
    ProgressMeter meter(cache, s, coords.size());
    auto located = chain.locate(coords);
    meter.finish(std::count_if(located.begin(), located.end(), [](const auto &l) { return l.ok(); }));
    return located;
}

struct Context {
    std::vector<Coordinate> coordinates;
    std::vector<Exclusion> exclusions;
    std::vector<Repository> repositories;
    fs::path cache_root;
    HttpOptions http;
};

Result<Context> prepare(const std::vector<std::string> &texts, const ResolverSettings &s) {
    Context ctx;
    if (texts.empty())
        return Error(ErrorKind::Usage, "no package coordinates given", "", "name at least one groupId:artifactId:version");
    for (const auto &t : texts) {
        auto c = parse_coordinate(t);
        if (!c) return c.error();
        ctx.coordinates.push_back(*c);
    }
    for (const auto &t : s.exclusions) {
        auto e = parse_exclusion(t);
        if (!e) return e.error();
        ctx.exclusions.push_back({e->first, e->second});
    }
    if (s.use_local_repository) {
        std::optional<fs::path> local = s.local_repository ? s.local_repository : default_local_repository();
        std::error_code ec;
        if (local && fs::is_directory(*local, ec)) {
            Repository r;
            r.kind = Repository::Kind::Local;
            r.dir = *local;
            r.url = "file://" + local->string();
            ctx.repositories.push_back(std::move(r));
        }
    }
    for (const auto &spec : s.repositories) {
        if (spec.empty()) continue;
        auto r = parse_repository(spec, false);
        if (!r) return r.error();
        ctx.repositories.push_back(std::move(*r));
    }
    for (const auto &spec : s.default_repositories) {
        if (spec.empty()) continue;
        auto r = parse_repository(spec, true);
        if (!r) return r.error();
        ctx.repositories.push_back(std::move(*r));
    }
    std::set<std::string> identities; // one request per file and repository, however often it is named
    std::erase_if(ctx.repositories, [&](const Repository &r) {
        if (identities.insert(repository_identity(r)).second) return false;
        if (s.log) s.log("note: repository " + r.url + " is named more than once; it is asked once");
        return true;
    });
    // Before any lookup or connection: plain HTTP only on loopback or where the user opted in.
    for (const auto &r : ctx.repositories)
        if (r.kind == Repository::Kind::Http)
            if (auto st = check_transport(r.url, s.allow_insecure_http, s.log); !st) return st.error();
    if (ctx.repositories.empty())
        return Error(ErrorKind::Resolution, "no repositories to resolve from", "",
                     "name one with --repositories, or keep the default (Maven Central)");
    ctx.cache_root = s.cache_dir ? *s.cache_dir : default_cache_root();
    if (auto st = make_private_dirs(ctx.cache_root); !st) return st.error();
    const int timeout = env_int("STREAMSUBMIT_HTTP_TIMEOUT", static_cast<int>(s.http_timeout.count()));
    ctx.http.low_speed_time = std::chrono::seconds(timeout);
    ctx.http.connect_timeout = std::chrono::seconds(std::min(timeout, 10));
    ctx.http.retries = env_int("STREAMSUBMIT_HTTP_RETRIES", s.http_retries);
    ctx.http.backoff = std::chrono::milliseconds(env_int("STREAMSUBMIT_HTTP_BACKOFF_MS", 250));
    if (const char *max = std::getenv("STREAMSUBMIT_HTTP_MAX_SIZE"); max && *max) {
        char *end = nullptr;
        const long long n = std::strtoll(max, &end, 10);
        if (end && *end == 0 && n > 0) ctx.http.max_size = n;
    }
    ctx.http.ca_bundle = s.ca_bundle;
    ctx.http.insecure_http_hosts = s.allow_insecure_http;
    return ctx;
}

Error locate_error(RepositoryChain &chain, const Coordinate &c, const Error &e) {
    if (c.extension == kNativeExtension && !c.classifier.empty()) {
        auto meta = chain.version_metadata(c.group, c.artifact, c.base_version());
        std::vector<std::string> available;
        if (meta) available = platform_classifiers(*meta, c.extension);
        if (std::find(available.begin(), available.end(), c.classifier) == available.end())
            return missing_platform_error(c, available, "\n" + e.what);
    }
    return e;
}

Result<std::vector<std::string>> signing_keys(const ResolverSettings &s, RepositoryChain &chain, ArtifactCache &cache,
                                             const std::vector<Coordinate> &coords,
                                             const std::vector<Result<Located>> &located,
                                             const std::function<void(std::string_view)> &log) {
    std::vector<Located> files;
    for (const auto &l : located) files.push_back(*l);
    return check_signatures({s.signature_policy, s.trusted_keys}, chain, cache, coords, files, log);
}

Result<Resolution> resolve_pinned(const Context &ctx, const std::vector<std::string> &texts, const ResolverSettings &s,
                                  RepositoryChain &chain, ArtifactCache &cache, const fs::path &lock_path,
                                  const std::function<void(std::string_view)> &log) {
    auto lock = read_lockfile(lock_path);
    if (!lock) return lock.error();
    if (lock->requested != texts || lock->exclusions != s.exclusions) {
        std::string was, now;
        for (const auto &t : lock->requested) was += (was.empty() ? "" : ",") + t;
        for (const auto &t : texts) now += (now.empty() ? "" : ",") + t;
        return Error(ErrorKind::Resolution,
                     "the lockfile was written for other packages or exclusions (" + was + ") than requested now (" + now +
                         ")",
                     lock_path.string(), "delete the lockfile to resolve again, or request the same packages");
    }
    Resolution res;
    res.roots = lock->roots;
    std::vector<Coordinate> coords;
    for (const auto &a : lock->artifacts) {
        auto c = parse_coordinate(a.coordinate);
        if (!c) return Error(ErrorKind::Resolution, "malformed coordinate in lockfile: " + c.error().what, lock_path.string(),
                             "delete the lockfile to resolve again");
        c->type = a.type;
        coords.push_back(*c);
        ResolvedArtifact r;
        r.coordinate = *c;
        r.scope = a.scope;
        r.repository = a.repository;
        r.sha256 = a.sha256;
        r.depth = a.depth;
        r.children = a.children;
        res.artifacts.push_back(std::move(r));
    }
    (void)ctx;
    if (s.no_download) return res;
    auto located = locate_files(chain, cache, s, coords);
    for (size_t i = 0; i < coords.size(); ++i) {
        if (!located[i]) return locate_error(chain, coords[i], located[i].error());
        auto sha = hash_file(located[i]->file, HashAlgorithm::Sha256);
        if (!sha) return sha.error();
        if (*sha != lock->artifacts[i].sha256)
            return Error(ErrorKind::Resolution,
                         "sha256 of " + coords[i].to_string() + " does not match the lockfile: expected " +
                             lock->artifacts[i].sha256 + ", actual " + *sha + " (" + located[i]->url + ")",
                         lock_path.string(),
                         "the repository's file changed since the lockfile was written; refusing to use it. If the "
                         "change is expected, delete the lockfile and resolve again");
        res.artifacts[i].path = located[i]->file;
        res.artifacts[i].repository = located[i]->repository;
    }
    // The same bytes re-signed by another key (even a trusted one) are refused too.
    auto signers = signing_keys(s, chain, cache, coords, located, log);
    if (!signers) return signers.error();
    for (size_t i = 0; i < coords.size(); ++i) {
        const std::string &pinned_key = lock->artifacts[i].signing_key;
        if (!pinned_key.empty() && (*signers)[i] != pinned_key)
            return Error(ErrorKind::Resolution,
                         "the signing key of " + coords[i].to_string() + " is not the one in the lockfile: expected " +
                             pinned_key + ", actual " +
                             ((*signers)[i].empty() ? std::string("none verified") : (*signers)[i]) + " (" +
                             located[i]->url + ")",
                         lock_path.string(),
                         "the artifact was re-signed by another key since the lockfile was written; refusing it. If "
                         "the new key is expected, trust it, delete the lockfile and resolve again");
        res.artifacts[i].signing_key = (*signers)[i];
    }
    return res;
}

// Every input the graph depends on, one per line: the graph cache's key.
std::string graph_key(const Context &ctx, const ResolverSettings &s) {
    std::string key = "coordinates";
    for (const auto &c : ctx.coordinates) key += " " + c.to_string();
    key += "\nexclusions";
    for (const auto &e : ctx.exclusions) key += " " + e.group + ":" + e.artifact;
    key += "\nrepositories";
    for (const auto &r : ctx.repositories) key += " " + r.url;
    key += "\nchecksums " + std::string(checksum_policy_name(s.checksum_policy));
    const auto &sys = default_system_properties();
    key += "\nprofiles java " + sys.at("java.version") + " os " + sys.at("os.name") + " " + sys.at("os.arch") + " " +
           sys.at("os.version") + " platform " + platform_classifier();
    return key + "\n";
}

// A graph is kept unless it could change without a changing file telling: POMs read from
// the environment, or a SNAPSHOT found in a file:// (or ~/.m2) repository, rewritten in place.
bool graph_cacheable(const Resolution &res, const EffectivePomBuilder &poms) {
    if (poms.read_environment()) return false;
    return std::none_of(res.artifacts.begin(), res.artifacts.end(), [](const ResolvedArtifact &a) {
        return a.coordinate.is_snapshot() && a.repository.starts_with("file://");
    });
}

Resolution from_cache(const CachedGraph &g) {
    Resolution res;
    res.roots = g.roots;
    for (const auto &c : g.artifacts)
        res.artifacts.push_back(
            {c.coordinate, c.scope, c.repository, /*path*/ {}, /*sha256*/ {}, /*signing_key*/ {}, c.depth, c.children});
    return res;
}

CachedGraph to_cache(const Resolution &res, std::vector<std::string> messages, const ArtifactCache &cache) {
    CachedGraph g;
    g.roots = res.roots;
    g.warnings = std::move(messages);
    for (const auto &a : res.artifacts) g.artifacts.push_back({a.coordinate, a.scope, a.repository, a.depth, a.children});
    g.built_from = std::min(std::chrono::system_clock::now(),
                            cache.oldest_changing_answer().value_or(std::chrono::system_clock::now()));
    return g;
}

// The mediated graph without files (repository = where each POM came from): from the graph
// cache when an entry for these inputs is younger than the TTL, else built from the POMs
// and stored.
Result<Resolution> resolve_graph(const Context &ctx, const ResolverSettings &s, RepositoryChain &chain,
                                 const ArtifactCache &cache, const std::function<void(std::string_view)> &log) {
    const GraphCache graphs(ctx.cache_root, graph_key(ctx, s));
    if (auto hit = graphs.load(s.ttl)) {
        for (const auto &line : hit->warnings) log(line);
        return from_cache(*hit);
    }
    GraphRequest req;
    for (const auto &c : ctx.coordinates) {
        PomDependency d;
        d.group = c.group;
        d.artifact = c.artifact;
        d.version = c.version;
        if (c.extension != "jar" || !c.classifier.empty()) d.type = c.extension;
        d.classifier = c.classifier;
        req.dependencies.push_back(std::move(d));
    }
    req.exclusions = ctx.exclusions;
    req.platform_classifier = platform_classifier();
    std::vector<std::string> messages; // replayed when the graph comes from the cache
    req.log = [&](std::string_view line) {
        messages.emplace_back(line);
        log(line);
    };
    EffectivePomBuilder poms(chain);
    auto graph = build_graph(req, poms, chain);
    if (!graph) return graph.error();

    std::vector<size_t> order;
    for (size_t r : graph->roots) post_order(graph->nodes, r, order);
    std::map<size_t, size_t> index_of; // graph node -> artifact index
    for (size_t i = 0; i < order.size(); ++i) index_of[order[i]] = i;
    Resolution res;
    for (size_t node_idx : order) {
        const auto &n = graph->nodes[node_idx];
        ResolvedArtifact a;
        a.coordinate = n.coordinate;
        a.scope = n.scope;
        a.depth = n.depth;
        a.repository = chain.pom_repository({n.coordinate.group, n.coordinate.artifact, n.coordinate.version});
        for (size_t c : n.children) a.children.push_back(index_of.at(c));
        res.artifacts.push_back(std::move(a));
    }
    for (size_t r : graph->roots) res.roots.push_back(index_of.at(r));
    if (graph_cacheable(res, poms))
        if (auto st = graphs.store(to_cache(res, std::move(messages), cache)); !st)
            log("warning: the resolved graph was not kept in the cache (" + st.error().what + ")");
    return res;
}

} // namespace

Result<Resolution> resolve(const std::vector<std::string> &texts, const ResolverSettings &s) {
    auto ctx = prepare(texts, s);
    if (!ctx) return ctx.error();
    const auto log = s.log ? s.log : [](std::string_view) {};
    HttpClient http(ctx->http);
    ArtifactCache cache({ctx->cache_root, s.ttl, s.offline, s.checksum_policy, log}, http);
    RepositoryChain chain(ctx->repositories, cache, log);

    std::error_code ec;
    if (s.lockfile && fs::exists(*s.lockfile, ec)) {
        auto pinned = resolve_pinned(*ctx, texts, s, chain, cache, *s.lockfile, log);
        if (pinned) {
            pinned->network_transfers = http.transfers_started();
            pinned->network_bytes = http.bytes_received();
        }
        return pinned;
    }

    auto graph = resolve_graph(*ctx, s, chain, cache, log);
    if (!graph) return graph.error();
    Resolution res = std::move(*graph);

    if (!s.no_download) {
        std::vector<Coordinate> coords;
        std::vector<size_t> which;
        for (size_t i = 0; i < res.artifacts.size(); ++i) {
            if (res.artifacts[i].scope == "system") continue;
            coords.push_back(res.artifacts[i].coordinate);
            which.push_back(i);
        }
        auto located = locate_files(chain, cache, s, coords);
        for (size_t k = 0; k < coords.size(); ++k)
            if (!located[k]) return locate_error(chain, coords[k], located[k].error());
        auto signers = signing_keys(s, chain, cache, coords, located, log);
        if (!signers) return signers.error();
        for (size_t k = 0; k < coords.size(); ++k) {
            auto &a = res.artifacts[which[k]];
            a.signing_key = (*signers)[k];
            a.path = located[k]->file;
            a.repository = located[k]->repository;
            if (!s.lockfile) continue; // hashing every jar on every run would cost more than the rest of a warm run
            auto sha = hash_file(a.path, HashAlgorithm::Sha256);
            if (!sha) return sha.error();
            a.sha256 = *sha;
        }
        if (s.lockfile) {
            Lockfile lock;
            lock.requested = texts;
            lock.exclusions = s.exclusions;
            lock.roots = res.roots;
            for (const auto &a : res.artifacts)
                lock.artifacts.push_back(
                    {a.coordinate.to_string(), a.scope, a.repository, a.sha256, a.depth, a.children,
                     a.coordinate.type, a.signing_key});
            if (auto st = write_lockfile(*s.lockfile, lock); !st) return st.error();
            log("wrote lockfile " + s.lockfile->string());
        }
    } else if (s.lockfile) {
        log("note: --no-download resolves POMs only; no lockfile written (it needs the files' sha256)");
    }
    res.network_transfers = http.transfers_started();
    res.network_bytes = http.bytes_received();
    return res;
}

std::string Resolution::tree_text(bool with_paths) const {
    std::string out;
    std::function<void(size_t, const std::string &, bool, bool)> visit = [&](size_t idx, const std::string &prefix,
                                                                             bool last, bool root) {
        const auto &a = artifacts[idx];
        out += root ? "" : prefix + (last ? "\\- " : "+- ");
        out += label(a.coordinate, a.scope);
        if (with_paths && !a.path.empty()) out += " -- " + a.path.string();
        out += "\n";
        const std::string child_prefix = root ? "" : prefix + (last ? "   " : "|  ");
        for (size_t i = 0; i < a.children.size(); ++i)
            visit(a.children[i], child_prefix, i + 1 == a.children.size(), false);
    };
    for (size_t r : roots) visit(r, "", true, true);
    return out;
}

std::string Resolution::list_text(bool with_paths) const {
    std::string out;
    std::function<void(size_t)> visit = [&](size_t idx) {
        const auto &a = artifacts[idx];
        out += label(a.coordinate, a.scope);
        if (with_paths && !a.path.empty()) out += " -- " + a.path.string();
        out += "\n";
        for (size_t c : a.children) visit(c);
    };
    for (size_t r : roots) visit(r);
    return out;
}

std::vector<fs::path> Resolution::native_plugins() const {
    std::vector<fs::path> out;
    for (const auto &a : artifacts)
        if (a.coordinate.extension == kNativeExtension && !a.path.empty()) out.push_back(a.path);
    return out;
}

} // namespace streamsubmit::resolver
