#include "cli/resolve_command.h"

#include "cli/config.h"
#include "cli/progress_line.h"
#include "cli/resolver_module.h"
#include "resolver/resolver.h"

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace streamsubmit::cli {
namespace {

struct ResolveArgs {
    std::vector<std::string> coordinates;
    std::vector<std::string> repositories;
    std::string default_repositories = resolver::kMavenCentral;
    std::vector<std::string> exclusions;
    bool tree = false, list = false, no_download = false, offline = false, no_local = false, quiet = false;
    std::string lockfile, ttl = "24h", checksum_policy = "warn", ca_bundle, cache_dir;
    std::string allow_insecure_http, trusted_keys, signature_policy; // keys without a flag of their own
    std::vector<std::string> conf; // resolver.* keys; the flags above win
    std::map<std::string, CLI::Option *> flags;
    bool given(const std::string &name) const {
        auto it = flags.find(name);
        return it != flags.end() && it->second->count() > 0;
    }
};

std::vector<std::string> split_commas(const std::vector<std::string> &in) {
    std::vector<std::string> out;
    for (const auto &item : in) {
        size_t start = 0;
        for (;;) {
            const size_t comma = item.find(',', start);
            std::string part = item.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            if (!part.empty()) out.push_back(part);
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    }
    return out;
}

// Flags win over --conf resolver.* keys, which win over the table's defaults.
Status apply_conf(ResolveArgs &a) {
    Config cfg;
    for (const auto &c : a.conf) {
        if (!c.starts_with("resolver."))
            return Error(ErrorKind::Usage, "resolve takes only resolver.* keys in --conf", c,
                         "see 'streamsubmit config' for the resolver.* keys");
        if (auto st = apply_conf_flag(cfg, c); !st) return st;
    }
    auto set = [&](const char *flag, const char *key, auto apply) {
        if (!a.given(flag) && cfg.find(key)) apply(*cfg.get(key));
    };
    set("--repositories", "resolver.userRepositories", [&](const std::string &v) { a.repositories = {v}; });
    set("--default-repositories", "resolver.repositories", [&](const std::string &v) { a.default_repositories = v; });
    set("--exclude-packages", "resolver.excludePackages", [&](const std::string &v) { a.exclusions = {v}; });
    set("--offline", "resolver.offline", [&](const std::string &v) { a.offline = v == "true"; });
    set("--lockfile", "resolver.lockfile", [&](const std::string &v) { a.lockfile = v; });
    set("--ttl", "resolver.ttl", [&](const std::string &v) { a.ttl = v; });
    set("--checksum-policy", "resolver.checksumPolicy", [&](const std::string &v) { a.checksum_policy = v; });
    set("--ca-bundle", "resolver.caBundle", [&](const std::string &v) { a.ca_bundle = v; });
    set("", "resolver.allowInsecureHttp", [&](const std::string &v) { a.allow_insecure_http = v; });
    set("", "resolver.trustedKeys", [&](const std::string &v) { a.trusted_keys = v; });
    set("", "resolver.signaturePolicy", [&](const std::string &v) { a.signature_policy = v; });
    return ok_status();
}

Status run(ResolveArgs &a) {
    if (a.tree && a.list)
        return Error(ErrorKind::Usage, "--tree and --list both given", "", "keep one: --tree (the default) or --list");
    if (auto st = apply_conf(a); !st) return st;
    auto module = resolver_module();
    if (!module) return module.error();
    const resolver::ModuleApi &api = **module;
    resolver::ResolverSettings s;
    s.repositories = split_commas(a.repositories);
    s.default_repositories = split_commas({a.default_repositories});
    s.exclusions = split_commas(a.exclusions);
    s.offline = a.offline;
    s.no_download = a.no_download;
    if (!a.lockfile.empty()) s.lockfile = a.lockfile;
    auto ttl = parse_duration(a.ttl);
    if (!ttl) {
        Error e = ttl.error();
        e.what = "invalid value for --ttl: " + e.what; // parse_duration knows the text, not the option
        return e;
    }
    s.ttl = std::chrono::duration_cast<std::chrono::seconds>(*ttl);
    auto policy = api.parse_checksum_policy(a.checksum_policy);
    if (!policy) return policy.error();
    s.checksum_policy = *policy;
    if (!a.ca_bundle.empty()) s.ca_bundle = a.ca_bundle;
    s.allow_insecure_http = split_commas({a.allow_insecure_http});
    s.trusted_keys = split_commas({a.trusted_keys});
    auto signatures = api.parse_signature_policy(a.signature_policy);
    if (!signatures) return signatures.error();
    s.signature_policy = *signatures;
    if (!a.cache_dir.empty()) s.cache_dir = a.cache_dir;
    s.use_local_repository = !a.no_local;
    s.log = [quiet = a.quiet](std::string_view line) {
        if (quiet && !line.starts_with("warning")) return;
        std::fprintf(stderr, "streamsubmit: %.*s\n", static_cast<int>(line.size()), line.data());
    };
    DownloadProgressLine progress; // on stderr while it is a terminal, not with --quiet
    if (!a.quiet) progress.attach(s);
    auto res = api.resolve(split_commas(a.coordinates), s);
    progress.finish(); // before the tree on stdout and any error on stderr
    if (!res) return res.error();
    const bool paths = !a.no_download;
    const std::string text = a.list ? api.list_text(*res, paths) : api.tree_text(*res, paths);
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
    return ok_status();
}

} // namespace

Result<resolver::ResolverSettings> resolver_settings_from_config(const Config &config) {
    auto module = resolver_module();
    if (!module) return module.error();
    resolver::ResolverSettings s;
    s.repositories = config.get_list("resolver.userRepositories");
    s.default_repositories = config.get_list("resolver.repositories");
    s.exclusions = config.get_list("resolver.excludePackages");
    s.offline = config.get_bool("resolver.offline");
    if (auto lock = config.get_string("resolver.lockfile"); !lock.empty()) s.lockfile = lock;
    s.ttl = std::chrono::duration_cast<std::chrono::seconds>(config.get_duration("resolver.ttl"));
    auto policy = (*module)->parse_checksum_policy(config.get_string("resolver.checksumPolicy"));
    if (!policy) return policy.error();
    s.checksum_policy = *policy;
    if (auto ca = config.get_string("resolver.caBundle"); !ca.empty()) s.ca_bundle = ca;
    s.allow_insecure_http = config.get_list("resolver.allowInsecureHttp");
    s.trusted_keys = config.get_list("resolver.trustedKeys");
    auto signatures = (*module)->parse_signature_policy(config.get_string("resolver.signaturePolicy"));
    if (!signatures) return signatures.error();
    s.signature_policy = *signatures;
    s.log = [](std::string_view line) {
        std::fprintf(stderr, "streamsubmit: %.*s\n", static_cast<int>(line.size()), line.data());
    };
    return s;
}

void add_resolve_command(CLI::App &app, CommandSelection &selection) {
    auto a = std::make_shared<ResolveArgs>();
    auto *cmd = app.add_subcommand("resolve",
                                   "Resolve Maven packages (groupId:artifactId:version) and their dependencies into the "
                                   "cache; print the tree (like mvn dependency:tree) or list with local paths");
    cmd->add_option("coordinates", a->coordinates,
                    "Packages: g:a:v, g/a:v, g:a:ext:v or g:a:ext:classifier:v (commas allowed)")
        ->required();
    a->flags["--repositories"] = cmd->add_option("--repositories", a->repositories,
                    "Extra repositories (http, https, file://), comma-separated, tried after ~/.m2 and before the "
                    "defaults; https://user:password@host/... for credentials");
    a->flags["--default-repositories"] = cmd->add_option("--default-repositories", a->default_repositories,
                    "Repositories tried last, comma-separated; empty for none")
        ->capture_default_str();
    a->flags["--exclude-packages"] = cmd->add_option("--exclude-packages", a->exclusions, "groupId:artifactId to leave out, '*' allowed, comma-separated");
    // Checked in run(): CLI11's excludes() would print "Excludes: --list" under both.
    cmd->add_flag("--tree", a->tree, "Print the dependency tree (the default)");
    cmd->add_flag("--list", a->list, "Print one line per artifact instead of the tree (not with --tree)");
    cmd->add_flag("--no-download", a->no_download, "Resolve the graph from POMs only; download no jars");
    a->flags["--offline"] = cmd->add_flag("--offline", a->offline, "Use only the cache and file repositories; name what is missing");
    a->flags["--lockfile"] = cmd->add_option("--lockfile", a->lockfile,
                    "JSON lockfile: written when absent, and when present the resolution is pinned to it and every "
                    "file's sha256 verified");
    a->flags["--ttl"] = cmd->add_option("--ttl", a->ttl, "How long metadata and SNAPSHOTs stay fresh in the cache (releases: forever)")
        ->capture_default_str();
    a->flags["--checksum-policy"] = cmd->add_option("--checksum-policy", a->checksum_policy,
                    "A missing checksum file: warn, fail, or ignore checksums (a mismatch always fails)")
        ->check(CLI::IsMember({"warn", "fail", "ignore"}))
        ->capture_default_str();
    a->flags["--ca-bundle"] = cmd->add_option("--ca-bundle", a->ca_bundle, "PEM file of CA certificates for https repositories");
    cmd->add_option("--cache-dir", a->cache_dir,
                    "Cache directory (default $STREAMSUBMIT_CACHE, $XDG_CACHE_HOME/streamsubmit or ~/.cache/streamsubmit)");
    cmd->add_flag("--no-local-repository", a->no_local, "Do not read ~/.m2/repository");
    cmd->add_flag("--quiet", a->quiet, "Print only warnings and errors on stderr");
    cmd->add_option("-c,--conf", a->conf, "Set a resolver.* configuration key: KEY=VALUE (repeatable); options win")
        ->type_name("KEY=VALUE");
    cmd->footer("Exit status: 0 success, 1 runtime failure, 2 usage, 5 resolution failed. See man streamsubmit.");
    cmd->final_callback([a, &selection] { selection.action = [a]() { return run(*a); }; });
}

} // namespace streamsubmit::cli
