// Checks the OpenPGP signature (.asc beside it, as Maven Central requires) of every
// resolved artifact file against the keys the user trusts, under each artifact's
// signature policy (signature_policy.h). A check's outcome is recorded in the cache
// (verification_record.h), so a warm run starts no gpg and makes no request; an artifact
// that is refused is removed from the cache with its .asc, and leaves no record.
#pragma once

#include "common/error.h"
#include "resolver/coordinate.h"
#include "resolver/repository.h"
#include "resolver/signature_policy.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace streamsubmit::resolver {

struct SignatureSettings {
    std::optional<SignaturePolicy> policy;  // nullopt: require for native artifacts, warn for the rest
    std::vector<std::string> trusted_keys;  // resolver.trustedKeys
};

// One entry per artifact: the fingerprint of the trusted key that signed it, empty when it
// is accepted unverified (warn, ignore). An error refuses the resolution (ErrorKind::Resolution,
// naming each refused artifact, the key and the fix).
Result<std::vector<std::string>> check_signatures(const SignatureSettings &settings, RepositoryChain &chain,
                                                  ArtifactCache &cache, const std::vector<Coordinate> &coordinates,
                                                  const std::vector<Located> &files,
                                                  const std::function<void(std::string_view)> &log);

} // namespace streamsubmit::resolver
