#include "resolver/pgp_keyring.h"

#include "common/atomic_file.h"
#include "common/read_file.h"
#include "resolver/checksum.h"
#include "resolver/gpgme_support.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

namespace fs = std::filesystem;

namespace streamsubmit::resolver {
namespace {

// "0xABCD 1234 ..." -> "ABCD1234..." when what remains is 40 (v4) or 64 (v5) hex digits.
std::optional<std::string> as_fingerprint(std::string_view text) {
    std::string out;
    if (text.starts_with("0x") || text.starts_with("0X")) text.remove_prefix(2);
    for (const char c : text) {
        if (c == ' ') continue;
        if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (out.size() != 40 && out.size() != 64) return std::nullopt;
    return out;
}

std::string upper(const char *s) {
    std::string out = s ? s : "";
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

// A key file gpg cannot use is a configuration error (exit 2), like a missing one.
Error keyring_error(const std::string &what, const std::string &input) {
    return Error(ErrorKind::Usage, what, input,
                 "give resolver.trustedKeys public key files (gpg --export --armor KEYID > key.asc) that gpg can read");
}

SignatureOutcome outcome_of(gpgme_error_t status) {
    switch (gpgme_err_code(status)) {
    case GPG_ERR_NO_ERROR: return SignatureOutcome::Verified;
    case GPG_ERR_NO_PUBKEY: return SignatureOutcome::UnknownKey;
    case GPG_ERR_KEY_EXPIRED:
    case GPG_ERR_SIG_EXPIRED: return SignatureOutcome::KeyExpired;
    case GPG_ERR_CERT_REVOKED: return SignatureOutcome::KeyRevoked;
    case GPG_ERR_BAD_SIGNATURE: return SignatureOutcome::BadSignature;
    default: return SignatureOutcome::Failed;
    }
}

} // namespace

Result<TrustedKeys> parse_trusted_keys(const std::vector<std::string> &entries) {
    TrustedKeys keys;
    for (const auto &entry : entries) {
        if (entry.empty()) continue;
        std::error_code ec;
        if (fs::is_directory(entry, ec)) {
            std::vector<fs::path> files;
            for (const auto &f : fs::directory_iterator(entry, ec))
                if (f.is_regular_file(ec)) files.push_back(f.path());
            std::sort(files.begin(), files.end());
            keys.key_files.insert(keys.key_files.end(), files.begin(), files.end());
        } else if (fs::is_regular_file(entry, ec)) {
            keys.key_files.emplace_back(entry);
        } else if (auto fpr = as_fingerprint(entry)) {
            keys.fingerprints.push_back(*fpr);
        } else {
            return Error(ErrorKind::Usage,
                         "resolver.trustedKeys entry is neither a file or directory of public keys nor a full key "
                         "fingerprint",
                         entry,
                         "name an existing key file (gpg --export --armor KEYID > key.asc) or directory, or a 40-hex-digit "
                         "fingerprint (gpg --fingerprint KEYID); short key ids are not accepted");
        }
    }
    std::sort(keys.fingerprints.begin(), keys.fingerprints.end());
    return keys;
}

Result<std::string> trust_identity(const TrustedKeys &keys) {
    std::string all;
    for (const auto &f : keys.key_files) all += "file " + hash_bytes(read_file(f), HashAlgorithm::Sha256) + "\n";
    for (const auto &f : keys.fingerprints) all += "fingerprint " + f + "\n";
    return hash_bytes(all, HashAlgorithm::Sha256);
}

struct PgpKeyring::Impl {
    fs::path home;
    GpgmeContext ctx;
    std::map<std::string, std::string> primary; // every (sub)key fingerprint of the keyring -> its primary's
    std::set<std::string> trusted;              // primary fingerprints

    ~Impl() {
        std::error_code ec;
        if (!home.empty()) fs::remove_all(home, ec);
    }

    // The primary key's fingerprint for a (sub)key fingerprint; as given when not in the keyring
    // (then it is whatever the signature names: a fingerprint or a key id).
    std::string primary_of(const char *fpr) const {
        const std::string key = upper(fpr);
        const auto it = primary.find(key);
        return it == primary.end() ? key : it->second;
    }
};

PgpKeyring::PgpKeyring(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PgpKeyring::~PgpKeyring() = default;

Result<std::unique_ptr<PgpKeyring>> PgpKeyring::open(const TrustedKeys &keys) {
    auto impl = std::make_unique<Impl>();
    const char *tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/streamsubmit-gnupg-XXXXXX";
    if (!::mkdtemp(pattern.data()))
        return Error(ErrorKind::Resolution, "cannot create a private keyring directory", pattern,
                     "check that TMPDIR (or /tmp) is writable");
    impl->home = pattern;
    // Public-key work only: no agent, no key server, validity from resolver.trustedKeys alone.
    if (auto st = write_file_atomically(impl->home / "gpg.conf", "no-autostart\ntrust-model always\nno-auto-key-retrieve\n");
        !st)
        return st.error();
    auto ctx = new_gpgme_context(impl->home.string());
    if (!ctx) return ctx.error();
    impl->ctx = std::move(*ctx);
    std::set<std::string> imported; // primaries
    for (const auto &file : keys.key_files) {
        gpgme_data_t raw = nullptr;
        if (auto err = gpgme_data_new_from_file(&raw, file.c_str(), 1); err)
            return keyring_error("cannot read the key file: " + gpgme_message(err), file.string());
        GpgmeData data(raw);
        if (auto err = gpgme_op_import(impl->ctx.get(), data.get()); err)
            return keyring_error("cannot import the key file: " + gpgme_message(err), file.string());
        const gpgme_import_result_t r = gpgme_op_import_result(impl->ctx.get());
        if (!r || r->considered == 0)
            return keyring_error("the file holds no OpenPGP public key", file.string());
    }
    gpgme_key_t raw = nullptr;
    if (auto err = gpgme_op_keylist_start(impl->ctx.get(), nullptr, 0); err)
        return keyring_error("cannot list the imported keys: " + gpgme_message(err), impl->home.string());
    while (gpgme_op_keylist_next(impl->ctx.get(), &raw) == GPG_ERR_NO_ERROR) {
        GpgmeKey key(raw);
        if (!key->subkeys || !key->subkeys->fpr) continue;
        const std::string primary = upper(key->subkeys->fpr);
        imported.insert(primary);
        for (gpgme_subkey_t s = key->subkeys; s; s = s->next)
            if (s->fpr) impl->primary[upper(s->fpr)] = primary;
    }
    gpgme_op_keylist_end(impl->ctx.get());
    if (keys.fingerprints.empty()) {
        impl->trusted = imported;
    } else {
        for (const auto &fpr : keys.fingerprints) {
            if (!impl->primary.count(fpr))
                return Error(ErrorKind::Usage, "resolver.trustedKeys names a key whose public key it does not give",
                             fpr,
                             "add the key's file too: gpg --export --armor " + fpr +
                                 " > key.asc, then resolver.trustedKeys=key.asc," + fpr);
            impl->trusted.insert(impl->primary.at(fpr));
        }
    }
    return std::unique_ptr<PgpKeyring>(new PgpKeyring(std::move(impl)));
}

SignatureCheck PgpKeyring::verify(const fs::path &file, const fs::path &signature) {
    SignatureCheck out;
    gpgme_data_t raw_sig = nullptr, raw_text = nullptr;
    if (auto err = gpgme_data_new_from_file(&raw_sig, signature.c_str(), 1); err) {
        out.detail = "cannot read " + signature.string() + ": " + gpgme_message(err);
        return out;
    }
    GpgmeData sig(raw_sig);
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        out.detail = "cannot read " + file.string();
        return out;
    }
    struct CloseFd {
        int fd;
        ~CloseFd() { ::close(fd); }
    } close_fd{fd};
    if (auto err = gpgme_data_new_from_fd(&raw_text, fd); err) {
        out.detail = "cannot read " + file.string() + ": " + gpgme_message(err);
        return out;
    }
    GpgmeData text(raw_text);
    const gpgme_error_t err = gpgme_op_verify(impl_->ctx.get(), sig.get(), text.get(), nullptr);
    const gpgme_verify_result_t result = gpgme_op_verify_result(impl_->ctx.get());
    if (err || !result || !result->signatures) {
        // gpg found no signature packet: the .asc is damaged or something else entirely.
        out.outcome = gpgme_err_code(err) == GPG_ERR_NO_DATA || !err ? SignatureOutcome::BadSignature
                                                                        : SignatureOutcome::Failed;
        out.detail = err ? gpgme_message(err) : "no signature in the .asc";
        return out;
    }
    // A good signature by a trusted key wins; otherwise the first signature's problem is reported.
    for (gpgme_signature_t s = result->signatures; s; s = s->next) {
        SignatureOutcome o = outcome_of(s->status);
        const std::string fpr = impl_->primary_of(s->fpr);
        if (o == SignatureOutcome::Verified && !impl_->trusted.count(fpr)) o = SignatureOutcome::UnknownKey;
        if (o == SignatureOutcome::KeyExpired && !impl_->trusted.count(fpr)) o = SignatureOutcome::UnknownKey;
        if (o == SignatureOutcome::Verified || s == result->signatures) {
            out.outcome = o;
            out.fingerprint = fpr;
            out.detail = gpgme_message(s->status);
        }
        if (o == SignatureOutcome::Verified) break;
    }
    return out;
}

} // namespace streamsubmit::resolver
