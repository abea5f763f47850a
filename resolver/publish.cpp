#include "resolver/publish.h"

#include "common/atomic_file.h"
#include "common/read_file.h"

#include "resolver/checksum.h"
#include "resolver/coordinate.h"
#include "resolver/http_client.h"
#include "resolver/metadata.h"
#include "resolver/pgp_sign.h"
#include "resolver/platform.h"
#include "resolver/repository.h"
#include "resolver/transport_policy.h"
#include "resolver/version.h"

#include <fmt/format.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>

namespace fs = std::filesystem;

namespace streamsubmit::resolver {
namespace {

std::string timestamp_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
    return buf;
}

// Writes files into a file:// repository or PUTs them to an HTTP one.
class Target {
public:
    Target(Repository repo, std::optional<fs::path> ca) : repo_(std::move(repo)) {
        HttpOptions o;
        o.ca_bundle = std::move(ca);
        http_ = std::make_unique<HttpClient>(o);
    }

    // The current content, or nullopt when absent.
    Result<std::optional<std::string>> get(const std::string &rel) {
        if (repo_.kind != Repository::Kind::Http) {
            const fs::path p = repo_.dir / rel;
            std::error_code ec;
            if (!fs::exists(p, ec)) return std::optional<std::string>();
            return std::optional<std::string>(read_file(p));
        }
        char tmpl[] = "/tmp/streamsubmit-publish-XXXXXX";
        const int fd = ::mkstemp(tmpl);
        if (fd < 0) return Error(ErrorKind::Resolution, "cannot create a temporary file", tmpl, "check /tmp");
        ::close(fd);
        auto r = http_->perform({{repo_.url + "/" + rel, repo_.credentials, tmpl, "GET", {}}})[0];
        const std::string body = read_file(tmpl);
        ::unlink(tmpl);
        if (r.error.empty() && (r.status == 404 || r.status == 410)) return std::optional<std::string>();
        if (!r.ok()) return failure("cannot read", rel, r);
        return std::optional<std::string>(body);
    }

    Status put(const std::string &rel, const std::string &content) {
        if (repo_.kind != Repository::Kind::Http) {
            const fs::path p = repo_.dir / rel;
            std::error_code ec;
            fs::create_directories(p.parent_path(), ec);
            if (auto st = write_file_atomically(p, content, 0644); !st) {
                Error e = st.error();
                e.kind = ErrorKind::Resolution;
                e.hint = "check the repository directory's permissions and free space";
                return e;
            }
            return ok_status();
        }
        auto r = http_->perform({{repo_.url + "/" + rel, repo_.credentials, {}, "PUT", content}})[0];
        if (!r.ok()) return failure("upload failed", rel, r);
        return ok_status();
    }

    Status put_with_checksums(const std::string &rel, const std::string &content) {
        if (auto st = put(rel, content); !st) return st;
        for (const auto a : kAllAlgorithms)
            if (auto st = put(rel + "." + std::string(algorithm_extension(a)), hash_bytes(content, a)); !st) return st;
        return ok_status();
    }

private:
    Error failure(const std::string &what, const std::string &rel, const HttpResult &r) {
        const std::string url = repo_.url + "/" + rel;
        if (!r.error.empty())
            return Error(ErrorKind::Resolution, what + ": " + r.error, url, "check the repository URL and the network");
        if (r.status == 401 || r.status == 403)
            return Error(ErrorKind::Resolution,
                         what + ": access denied (HTTP " + std::to_string(r.status) + "); sent " +
                             (repo_.credentials.source.empty() ? std::string("no credentials (or ~/.netrc's)")
                                                               : "credentials from " + repo_.credentials.source),
                         url,
                         "give credentials in the URL, in STREAMSUBMIT_REPO_USER/STREAMSUBMIT_REPO_PASSWORD or "
                         "STREAMSUBMIT_REPO_TOKEN, or in ~/.netrc");
        return Error(ErrorKind::Resolution, what + ": HTTP " + std::to_string(r.status), url,
                     "check that the repository accepts uploads at this path");
    }

    Repository repo_;
    std::unique_ptr<HttpClient> http_;
};

std::string generated_pom(const Coordinate &c, const std::string &packaging) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<project xmlns=\"http://maven.apache.org/POM/4.0.0\" "
           "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
           "xsi:schemaLocation=\"http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd\">\n"
           "  <modelVersion>4.0.0</modelVersion>\n"
           "  <groupId>" + c.group + "</groupId>\n"
           "  <artifactId>" + c.artifact + "</artifactId>\n"
           "  <version>" + c.version + "</version>\n"
           "  <packaging>" + packaging + "</packaging>\n"
           "  <description>POM was created by streamsubmit publish</description>\n"
           "</project>\n";
}

} // namespace

Status publish(const PublishRequest &req) {
    // g:a:v[:classifier]
    std::vector<std::string> parts;
    {
        std::string cur;
        for (char ch : req.coordinates) {
            if (ch == ':') parts.push_back(cur), cur.clear();
            else cur += ch;
        }
        parts.push_back(cur);
    }
    if (parts.size() != 3 && parts.size() != 4)
        return Error(ErrorKind::Usage, "malformed coordinates for publish", req.coordinates,
                     "write groupId:artifactId:version or groupId:artifactId:version:classifier");
    for (const auto &p : parts)
        if (!is_safe_part(p))
            return Error(ErrorKind::Usage, "malformed coordinates for publish: empty part, '..', '/' or '\\'",
                         req.coordinates, "write groupId:artifactId:version[:classifier]");
    Coordinate c;
    c.group = parts[0];
    c.artifact = parts[1];
    c.version = parts[2];
    if (parts.size() == 4) c.classifier = parts[3];
    if (c.is_snapshot())
        return Error(ErrorKind::Usage, "publishing SNAPSHOT versions is not supported", req.coordinates,
                     "publish a release version, or use mvn deploy:deploy-file for snapshots");
    std::error_code ec;
    if (!fs::is_regular_file(req.file, ec))
        return Error(ErrorKind::Usage, "the file to publish does not exist", req.file.string(), "name an existing file");
    std::string ext = req.file.extension().string();
    if (!ext.empty()) ext.erase(0, 1);
    if (ext.empty() || !is_safe_part(ext))
        return Error(ErrorKind::Usage, "the file to publish has no extension", req.file.string(),
                     "the extension (jar, so, ...) becomes part of the artifact's path; rename the file");
    c.extension = ext;
    const auto say = [&](const std::string &m) {
        if (req.log) req.log(m);
    };
    // Resolving g:a:v of a native plugin asks for this platform's classifier: without one, the
    // file would be published where no resolver looks.
    if (c.extension == kNativeExtension && c.classifier.empty()) {
        c.classifier = platform_classifier();
        say(fmt::format("{} is a native plugin: publishing it for this platform, as {}:{} (give --coordinates "
                        "{}:CLASSIFIER for another platform)",
                        req.file.filename().string(), req.coordinates, c.classifier, req.coordinates));
    }

    auto repo = parse_repository(req.repository, false);
    if (!repo) return repo.error();
    if (repo->kind == Repository::Kind::Local) repo->kind = Repository::Kind::File;
    // Credentials and artifacts over plain HTTP only to loopback, as for resolving.
    if (auto st = check_transport(repo->url, {}, {}); !st)
        return Error(ErrorKind::Resolution, "refusing to publish to the plain HTTP repository " + repo->url, repo->url,
                     "publish over https://, or into a file:// repository");
    Target target(*repo, req.ca_bundle);
    if (!req.force) {
        auto published = target.get(c.path());
        if (!published) return published.error();
        if (*published)
            return Error(ErrorKind::Resolution,
                         fmt::format("{} is already published: a release does not change once published",
                                     fmt::format("{}:{}:{}{}", c.group, c.artifact, c.version,
                                                 c.classifier.empty() ? "" : ":" + c.classifier)),
                         repo->url + "/" + c.path(),
                         "publish a new version, or add --force to replace it (resolvers that cached the old file "
                         "keep it)");
    }

    // The file and its POM, signed first so that a signing failure publishes nothing.
    const std::string content = read_file(req.file);
    std::string pom_text;
    if (req.pom) {
        if (!fs::is_regular_file(*req.pom, ec))
            return Error(ErrorKind::Usage, "the POM file does not exist", req.pom->string(), "name an existing POM file");
        pom_text = read_file(*req.pom);
    } else {
        auto existing = target.get(c.pom_path());
        if (!existing) return existing.error();
        pom_text = *existing ? **existing : generated_pom(c, c.classifier.empty() ? c.extension : c.extension);
    }
    std::string file_signature, pom_signature;
    if (req.sign_key) {
        auto signed_file = sign_detached(content, req.file.string(), *req.sign_key);
        if (!signed_file) return signed_file.error();
        auto signed_pom = sign_detached(pom_text, c.pom_path(), *req.sign_key);
        if (!signed_pom) return signed_pom.error();
        file_signature = std::move(*signed_file);
        pom_signature = std::move(*signed_pom);
    }
    if (auto st = target.put_with_checksums(c.path(), content); !st) return st;
    if (req.sign_key)
        if (auto st = target.put_with_checksums(c.path() + ".asc", file_signature); !st) return st;
    say("published " + repo->url + "/" + c.path() + (req.sign_key ? " (signed)" : ""));
    if (auto st = target.put_with_checksums(c.pom_path(), pom_text); !st) return st;
    if (req.sign_key)
        if (auto st = target.put_with_checksums(c.pom_path() + ".asc", pom_signature); !st) return st;

    const std::string now = timestamp_now();
    // g/a/maven-metadata.xml
    const std::string ga_rel = group_path(c.group) + "/" + c.artifact + "/maven-metadata.xml";
    auto existing = target.get(ga_rel);
    if (!existing) return existing.error();
    MavenMetadata m;
    if (*existing) {
        auto parsed = parse_metadata(**existing, repo->url + "/" + ga_rel);
        if (!parsed) return parsed.error();
        m = *parsed;
    }
    MavenMetadata add;
    add.group = c.group;
    add.artifact = c.artifact;
    add.versions = {c.version};
    add.latest = c.version;
    add.release = c.version;
    add.last_updated = now;
    m = merge_metadata(m, add);
    m.group = c.group;
    m.artifact = c.artifact;
    m.version.clear();
    m.last_updated = now;
    if (auto st = target.put_with_checksums(ga_rel, render_metadata(m)); !st) return st;

    // g/a/v/maven-metadata.xml: which classifiers/extensions exist for this version.
    const std::string v_rel = group_path(c.group) + "/" + c.artifact + "/" + c.version + "/maven-metadata.xml";
    auto vexisting = target.get(v_rel);
    if (!vexisting) return vexisting.error();
    MavenMetadata vm;
    if (*vexisting) {
        auto parsed = parse_metadata(**vexisting, repo->url + "/" + v_rel);
        if (parsed) vm = *parsed;
    }
    MavenMetadata vadd;
    vadd.group = c.group;
    vadd.artifact = c.artifact;
    vadd.version = c.version;
    vadd.last_updated = now;
    vadd.snapshot_versions = {{c.classifier, c.extension, c.version, now}, {"", "pom", c.version, now}};
    vm = merge_metadata(vm, vadd);
    vm.last_updated = now;
    vm.version = c.version;
    if (auto st = target.put_with_checksums(v_rel, render_metadata(vm)); !st) return st;
    say("updated " + repo->url + "/" + ga_rel);
    return ok_status();
}

} // namespace streamsubmit::resolver
