// OpenPGP signature checks with GPGME against the keys the user trusts
// (resolver.trustedKeys), in a private keyring: a temporary GNUPGHOME made for this run,
// holding only those keys and removed afterwards. The user's ~/.gnupg is never read or
// written, so what it trusts (or what a tool imported into it) changes nothing here.
#pragma once

#include "common/error.h"
#include "resolver/signature_policy.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace streamsubmit::resolver {

// resolver.trustedKeys: files of public keys (armored or binary), directories of such files,
// and full key fingerprints. Without fingerprints every key in the files is trusted; with
// some, only those (their public keys must be in the files: a fingerprint alone cannot check
// a signature).
struct TrustedKeys {
    std::vector<std::filesystem::path> key_files; // directories expanded, sorted
    std::vector<std::string> fingerprints;        // upper-case hex, no spaces
};

// Errors (ErrorKind::Usage) name an entry that is neither an existing file or directory nor
// a fingerprint of 40 or 64 hex digits.
Result<TrustedKeys> parse_trusted_keys(const std::vector<std::string> &entries);

// A digest of everything trust depends on (the key files' bytes and the fingerprints): a
// verification recorded under another identity is done again.
Result<std::string> trust_identity(const TrustedKeys &keys);

struct SignatureCheck {
    SignatureOutcome outcome = SignatureOutcome::Failed;
    std::string fingerprint; // the signing key's primary fingerprint, or the key id the signature names
    std::string detail;      // what gpg said, for messages
};

class PgpKeyring {
public:
    // Creates the private GNUPGHOME and imports the trusted keys. Errors are ErrorKind::Resolution.
    static Result<std::unique_ptr<PgpKeyring>> open(const TrustedKeys &keys);
    ~PgpKeyring();
    PgpKeyring(const PgpKeyring &) = delete;
    PgpKeyring &operator=(const PgpKeyring &) = delete;

    // Checks the detached signature `signature` (an .asc) of `file`.
    SignatureCheck verify(const std::filesystem::path &file, const std::filesystem::path &signature);

private:
    struct Impl;
    explicit PgpKeyring(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace streamsubmit::resolver
