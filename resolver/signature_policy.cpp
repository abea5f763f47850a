#include "resolver/signature_policy.h"

#include "resolver/platform.h"

namespace streamsubmit::resolver {

Result<std::optional<SignaturePolicy>> parse_signature_policy(std::string_view text) {
    if (text.empty()) return std::optional<SignaturePolicy>();
    if (text == "warn") return std::optional(SignaturePolicy::Warn);
    if (text == "require") return std::optional(SignaturePolicy::Require);
    if (text == "ignore") return std::optional(SignaturePolicy::Ignore);
    return Error(ErrorKind::Usage, "unknown signature policy", std::string(text),
                 "use resolver.signaturePolicy=warn, require or ignore (unset: require for native plugins and "
                 "applications, warn for the rest)");
}

std::string_view signature_policy_name(SignaturePolicy policy) {
    switch (policy) {
    case SignaturePolicy::Warn: return "warn";
    case SignaturePolicy::Require: return "require";
    case SignaturePolicy::Ignore: return "ignore";
    }
    return "warn";
}

SignaturePolicy policy_for(std::optional<SignaturePolicy> configured, const Coordinate &coordinate) {
    if (configured) return *configured;
    // Code that runs in streamsubmit's process: a native plugin, or a Python job.
    const bool code = coordinate.extension == kNativeExtension || coordinate.extension == "py";
    return code ? SignaturePolicy::Require : SignaturePolicy::Warn;
}

std::string_view outcome_text(SignatureOutcome outcome) {
    switch (outcome) {
    case SignatureOutcome::Verified: return "verified";
    case SignatureOutcome::Unsigned: return "unsigned";
    case SignatureOutcome::UnknownKey: return "unknown-key";
    case SignatureOutcome::KeyExpired: return "key-expired";
    case SignatureOutcome::KeyRevoked: return "key-revoked";
    case SignatureOutcome::BadSignature: return "bad-signature";
    case SignatureOutcome::Failed: return "failed";
    }
    return "failed";
}

Verdict decide(SignaturePolicy policy, SignatureOutcome outcome) {
    if (policy == SignaturePolicy::Ignore || outcome == SignatureOutcome::Verified) return Verdict::Accept;
    if (policy == SignaturePolicy::Require) return Verdict::Refuse;
    // warn: proof of tampering is never waved through.
    if (outcome == SignatureOutcome::BadSignature || outcome == SignatureOutcome::KeyRevoked) return Verdict::Refuse;
    return Verdict::Warn;
}

} // namespace streamsubmit::resolver
