// What the signature check of one file found, kept in the cache beside it (for a file of a
// file:// repository or ~/.m2: at the place the cache would keep that URL) as
// "<file>.signature.json", replaced whole (temporary file and rename). A record counts only for the same file (size
// and modification time) checked under the same trust (resolver.trustedKeys' identity); a
// file whose check failed has no record at all, so no later run takes it as verified.
#pragma once

#include "common/error.h"
#include "resolver/signature_policy.h"

#include <filesystem>
#include <optional>
#include <string>

namespace streamsubmit::resolver {

struct VerificationRecord {
    SignatureOutcome outcome = SignatureOutcome::Unsigned;
    std::string fingerprint; // the signing key's (primary) fingerprint, or the unknown key's id
    std::string trust;       // trust_identity() the check ran under
};

std::filesystem::path record_path(const std::filesystem::path &cached_location);

// The record for `file` when it is still about this file and `trust`; nullopt otherwise
// (absent, damaged, stale).
std::optional<VerificationRecord> read_record(const std::filesystem::path &record, const std::filesystem::path &file,
                                              const std::string &trust);

Status write_record(const std::filesystem::path &record, const std::filesystem::path &file,
                    const VerificationRecord &what);

void remove_record(const std::filesystem::path &record);

} // namespace streamsubmit::resolver
