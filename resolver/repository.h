// The repository chain: the local ~/.m2/repository (read only) first, then the user's
// repositories (http, https, file://), then the defaults (Maven Central). Each file is
// looked for along the chain, in parallel across files; the first repository that has
// it wins. Metadata is merged across every repository.
#pragma once

#include "common/error.h"
#include "resolver/artifact_cache.h"
#include "resolver/coordinate.h"
#include "resolver/model_source.h"

#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace streamsubmit::resolver {

struct Repository {
    enum class Kind { Local, File, Http } kind = Kind::Http;
    std::string url;             // without user info and trailing slash: safe to print
    std::filesystem::path dir;   // Local and File
    Credentials credentials;
    bool is_default = false;
};

// "https://user:pw@host/path", "http://...", "file:///abs/path". User repositories
// (is_default false) also take STREAMSUBMIT_REPO_USER/PASSWORD or STREAMSUBMIT_REPO_TOKEN.
// Errors are ErrorKind::Usage.
Result<Repository> parse_repository(const std::string &spec, bool is_default);

// What makes two repositories one: "central" for Maven Central under any of its host
// names (repo1.maven.org, repo.maven.apache.org, ...), else the normalised URL (scheme and
// host in lower case, no default port, no trailing slash). The chain keeps the first of each.
std::string repository_identity(const Repository &repo);

// ~/.m2/repository, or nullopt when it does not exist.
std::optional<std::filesystem::path> default_local_repository();

struct Located {
    std::filesystem::path file;
    std::string repository; // its URL
    std::string url;        // where the file came from
};

class RepositoryChain : public ModelSource {
public:
    RepositoryChain(std::vector<Repository> repositories, ArtifactCache &cache,
                    std::function<void(std::string_view)> log = {});

    // Files for coordinates (SNAPSHOT base versions resolved per repository through
    // g/a/v/maven-metadata.xml). An error lists every URL tried.
    std::vector<Result<Located>> locate(const std::vector<Coordinate> &coordinates);

    // Version-level metadata (g/a/v/maven-metadata.xml) merged across repositories;
    // used to list the classifiers that exist.
    Result<MavenMetadata> version_metadata(const std::string &group, const std::string &artifact,
                                           const std::string &version);

    const std::vector<Repository> &repositories() const { return repositories_; }

    bool has_pom(const Gav &gav) const override;
    void prefetch_poms(const std::vector<Gav> &gavs) override;
    Result<PomText> pom(const Gav &gav) override;
    bool pom_not_found(const Gav &gav) const override { return pom_not_found_.count(gav.to_string()) > 0; }
    void prefetch_metadata(const std::vector<std::pair<std::string, std::string>> &keys) override;
    Result<MavenMetadata> metadata(const std::string &group, const std::string &artifact) override;

    // Where a POM came from, for lockfiles and messages.
    std::string pom_repository(const Gav &gav) const;

private:
    std::vector<Result<MavenMetadata>> merged_metadata(const std::vector<std::string> &relative_dirs,
                                                       const std::vector<std::string> &labels);
    void discard_if_cached(const std::filesystem::path &file);
    Status verify_local_file(const std::filesystem::path &file);
    std::vector<Repository> repositories_;
    ArtifactCache &cache_;
    std::function<void(std::string_view)> log_;
    std::map<std::string, Result<PomText>> poms_;
    std::map<std::string, std::string> pom_repo_;
    std::set<std::string> pom_not_found_;
    std::map<std::string, Result<MavenMetadata>> metadata_;
};

} // namespace streamsubmit::resolver
