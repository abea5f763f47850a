// The effective model of a dependency's POM as Maven's model builder makes it:
// profiles activated, parent chain merged, ${...} interpolated, BOMs imported into
// dependencyManagement (first import wins), management injected into dependencies.
#pragma once

#include "common/error.h"
#include "resolver/model_source.h"
#include "resolver/pom.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace streamsubmit::resolver {

struct EffectivePom {
    std::string group, artifact, version, packaging; // packaging defaults to jar
    std::vector<PomDependency> managed;              // after import
    std::vector<PomDependency> dependencies;         // managed values injected; scope defaults to compile
    std::optional<Relocation> relocation;
    std::string source;
    std::vector<std::string> warnings; // e.g. a dependency left without a version
    // Why Maven would call the POM invalid (an id keeping an unresolved ${...}), or empty.
    // An invalid POM's node stays in the graph without its dependencies, as in Maven.
    std::string invalid;
};

class EffectivePomBuilder {
public:
    explicit EffectivePomBuilder(ModelSource &source);

    // Builds (and caches) the effective POM of g:a:v. With `missing` set, POMs not yet
    // available are appended to it instead of being fetched, and the result is an error;
    // callers prefetch them in parallel and retry.
    Result<std::shared_ptr<const EffectivePom>> build(const Gav &gav, std::vector<Gav> *missing = nullptr);

    // Builds many, fetching the POMs (and parents, BOMs) they need in parallel rounds.
    void prefetch(const std::vector<Gav> &gavs);

    // True once a POM's ${env.X} was looked up: the result then depends on the environment.
    bool read_environment() const { return read_environment_; }

private:
    Result<std::shared_ptr<const Pom>> raw(const Gav &gav, std::vector<Gav> *missing);
    Result<std::shared_ptr<const EffectivePom>> build(const Gav &gav, std::vector<Gav> *missing,
                                                      std::vector<std::string> &import_stack);
    ModelSource &source_;
    std::map<std::string, std::shared_ptr<const Pom>> raw_;
    std::map<std::string, std::shared_ptr<const EffectivePom>> effective_;
    bool read_environment_ = false;
};

// Profile activation as Maven sees it with Java 17 on this system and no -D properties.
bool profile_active(const ProfileActivation &activation);

} // namespace streamsubmit::resolver
