// What a signature check's outcome means for an artifact, by policy (like the checksum
// policy): the decisions only, so they are tested without keys or files.
//   require: only a good signature by a trusted key is accepted (the default for native
//            plugins and applications: streamsubmit dlopens them);
//   warn:    an unsigned artifact or one signed by a key nobody trusts is accepted with a
//            warning (the default for everything else); a bad signature or a revoked key
//            is refused, as a wrong checksum always is;
//   ignore:  signatures are not looked at.
#pragma once

#include "common/error.h"
#include "resolver/coordinate.h"

#include <optional>
#include <string_view>

namespace streamsubmit::resolver {

enum class SignaturePolicy { Warn, Require, Ignore };

// "warn", "require", "ignore"; "" is nullopt (the default by kind). Errors are ErrorKind::Usage.
Result<std::optional<SignaturePolicy>> parse_signature_policy(std::string_view text);
std::string_view signature_policy_name(SignaturePolicy policy);

// The policy an artifact is checked under: the configured one, else require for native
// artifacts (extension so: plugins and applications), warn for the rest.
SignaturePolicy policy_for(std::optional<SignaturePolicy> configured, const Coordinate &coordinate);

enum class SignatureOutcome {
    Verified,     // a good signature by a trusted key
    Unsigned,     // no .asc beside the file
    UnknownKey,   // a signature by a key that resolver.trustedKeys does not trust
    KeyExpired,   // a good signature by a trusted key that has expired
    KeyRevoked,   // by a trusted key that its owner revoked
    BadSignature, // the file or its .asc changed after signing, or the .asc is not a signature
    Failed,       // the check itself failed (gpg missing, unreadable file)
};

std::string_view outcome_text(SignatureOutcome outcome);

enum class Verdict { Accept, Warn, Refuse };

Verdict decide(SignaturePolicy policy, SignatureOutcome outcome);

} // namespace streamsubmit::resolver
