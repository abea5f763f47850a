#include "resolver/signature_check.h"

#include "common/read_file.h"

#include "resolver/pgp_keyring.h"
#include "resolver/verification_record.h"

#include <sys/stat.h>

#include <algorithm>
#include <memory>

namespace fs = std::filesystem;

namespace streamsubmit::resolver {
namespace {

bool is_http(const std::string &url) { return url.starts_with("http://") || url.starts_with("https://"); }

struct Item {
    size_t index = 0; // into the artifacts
    SignaturePolicy policy = SignaturePolicy::Warn;
    fs::path record;
    fs::path signature = {}; // the .asc on disk, when there is one
    std::string failed = {}; // why the .asc could not be had (not a 404)
    SignatureCheck check = {};
};

std::string describe(const Coordinate &c, const SignatureCheck &r) {
    switch (r.outcome) {
    case SignatureOutcome::Verified: return c.to_string() + " is signed by trusted key " + r.fingerprint;
    case SignatureOutcome::Unsigned: return c.to_string() + " has no signature (.asc)";
    case SignatureOutcome::UnknownKey:
        return c.to_string() + " is signed by key " + r.fingerprint + ", which resolver.trustedKeys does not trust";
    case SignatureOutcome::KeyExpired: return c.to_string() + " is signed by key " + r.fingerprint + ", which has expired";
    case SignatureOutcome::KeyRevoked: return c.to_string() + " is signed by key " + r.fingerprint + ", which was revoked";
    case SignatureOutcome::BadSignature:
        return c.to_string() + " has a BAD signature" + (r.fingerprint.empty() ? "" : " (key " + r.fingerprint + ")") +
               ": the file or its .asc changed after signing (" + r.detail + ")";
    case SignatureOutcome::Failed: return c.to_string() + ": its signature could not be checked: " + r.detail;
    }
    return c.to_string();
}

std::string fix_for(const SignatureCheck &r) {
    switch (r.outcome) {
    case SignatureOutcome::Unsigned:
        return "ask the publisher to sign it (mvn gpg:sign, streamsubmit publish --sign); to run it unsigned anyway, "
               "--conf resolver.signaturePolicy=warn";
    case SignatureOutcome::UnknownKey:
        return "if you trust key " + r.fingerprint + ", export it (gpg --export --armor " + r.fingerprint +
               " > key.asc) and add --conf resolver.trustedKeys=key.asc";
    case SignatureOutcome::KeyExpired:
    case SignatureOutcome::KeyRevoked:
        return "ask the publisher for a release signed by a current key, and trust that key with resolver.trustedKeys";
    case SignatureOutcome::BadSignature:
        return "do not use this file: it is not what the key's owner signed; nothing was cached; report it to the "
               "repository's owner";
    default: return "install gpg (scripts/setup) and check the files named";
    }
}

// Everything in the cache about a refused artifact goes, so no later run meets it.
void discard(const fs::path &file, const fs::path &signature, const fs::path &record, const fs::path &cache_root) {
    remove_record(record);
    const std::string root = cache_root.lexically_normal().string();
    std::error_code ec;
    for (const fs::path &p : {file, signature}) {
        if (p.empty() || !p.lexically_normal().string().starts_with(root)) continue;
        fs::remove(p, ec);
        for (const char *ext : {".md5", ".sha1", ".sha256", ".sha512"}) fs::remove(p.string() + ext, ec);
    }
}

// Recorded outcomes: a verified file is done; an unverified one is accepted again without
// a request where the policy accepts it, and checked again where it does not. The rest.
std::vector<Item *> unanswered(std::vector<Item> &items, const std::vector<Located> &files, const std::string &trust) {
    std::vector<Item *> pending;
    for (auto &item : items) {
        const auto rec = read_record(item.record, files[item.index].file, trust);
        if (rec && (rec->outcome == SignatureOutcome::Verified || decide(item.policy, rec->outcome) != Verdict::Refuse)) {
            item.check = {rec->outcome, rec->fingerprint, "recorded"};
            continue;
        }
        pending.push_back(&item);
    }
    return pending;
}

// The .asc files: downloaded through the cache (no checksum sidecars) or beside a local file.
// A download that failed (not a 404) is a failed check.
void find_signatures(const std::vector<Item *> &pending, RepositoryChain &chain, ArtifactCache &cache,
                     const std::vector<Coordinate> &coordinates, const std::vector<Located> &files) {
    std::vector<CacheRequest> requests;
    std::vector<Item *> requested;
    for (Item *item : pending) {
        const Located &f = files[item->index];
        if (!is_http(f.url)) {
            const fs::path asc = f.file.string() + ".asc";
            if (regular_file_exists(asc)) item->signature = asc;
            continue;
        }
        Credentials credentials;
        for (const auto &r : chain.repositories())
            if (r.url == f.repository) credentials = r.credentials;
        // A SNAPSHOT's signature changes with it; a release's never does.
        requests.push_back({f.url + ".asc", credentials, coordinates[item->index].is_snapshot(), false});
        requested.push_back(item);
    }
    const auto fetched = cache.fetch(requests);
    for (size_t k = 0; k < fetched.size(); ++k) {
        if (fetched[k].status == CacheResult::Found) requested[k]->signature = fetched[k].file;
        else if (fetched[k].status == CacheResult::Failed)
            requested[k]->failed = "cannot download " + requests[k].url + ": " + fetched[k].error.what;
    }
}

// gpg checks each signature found; outcomes the policy accepts are recorded.
Status check_and_record(const std::vector<Item *> &pending, const TrustedKeys &trusted, const std::string &trust,
                        const std::vector<Located> &files, const std::function<void(std::string_view)> &log) {
    std::unique_ptr<PgpKeyring> keyring; // started only when there is a signature to check
    std::optional<Error> no_keyring;     // why it could not be (gpg missing): a failed check, not a stop
    for (Item *item : pending) {
        if (!item->failed.empty()) {
            item->check = {SignatureOutcome::Failed, {}, item->failed};
        } else if (item->signature.empty()) {
            item->check = {SignatureOutcome::Unsigned, {}, "no .asc"};
        } else {
            if (!keyring && !no_keyring) {
                auto opened = PgpKeyring::open(trusted);
                if (!opened && opened.error().kind == ErrorKind::Usage) return opened.error(); // resolver.trustedKeys
                if (opened) keyring = std::move(*opened);
                else no_keyring = opened.error();
            }
            item->check = keyring ? keyring->verify(files[item->index].file, item->signature)
                                  : SignatureCheck{SignatureOutcome::Failed, {}, no_keyring->what};
        }
        if (decide(item->policy, item->check.outcome) == Verdict::Refuse || item->check.outcome == SignatureOutcome::Failed)
            continue; // never recorded: checked again next time
        if (auto st = write_record(item->record, files[item->index].file,
                                   {item->check.outcome, item->check.fingerprint, trust});
            !st && log)
            log("warning: the signature check of " + files[item->index].url + " was not recorded (" + st.error().what + ")");
    }
    return ok_status();
}

} // namespace

Result<std::vector<std::string>> check_signatures(const SignatureSettings &settings, RepositoryChain &chain,
                                                  ArtifactCache &cache, const std::vector<Coordinate> &coordinates,
                                                  const std::vector<Located> &files,
                                                  const std::function<void(std::string_view)> &log) {
    std::vector<std::string> signers(files.size());
    std::vector<Item> items;
    for (size_t i = 0; i < files.size(); ++i) {
        const SignaturePolicy policy = policy_for(settings.policy, coordinates[i]);
        if (policy != SignaturePolicy::Ignore) items.push_back({i, policy, record_path(cache.path_for(files[i].url))});
    }
    if (items.empty()) return signers;
    auto trusted = parse_trusted_keys(settings.trusted_keys);
    if (!trusted) return trusted.error();
    auto trust = trust_identity(*trusted);
    if (!trust) return trust.error();

    const auto pending = unanswered(items, files, *trust);
    find_signatures(pending, chain, cache, coordinates, files);
    if (auto st = check_and_record(pending, *trusted, *trust, files, log); !st) return st.error();

    std::string refused, first_fix;
    size_t unverified = 0;
    for (auto &item : items) {
        const Coordinate &c = coordinates[item.index];
        const Verdict verdict = decide(item.policy, item.check.outcome);
        if (verdict == Verdict::Accept) {
            if (item.check.outcome == SignatureOutcome::Verified) signers[item.index] = item.check.fingerprint;
            continue;
        }
        if (verdict == Verdict::Warn) {
            ++unverified;
            if (log) log("note: " + describe(c, item.check) + "; accepted unverified (resolver.signaturePolicy " +
                         std::string(signature_policy_name(item.policy)) + ")");
            continue;
        }
        discard(files[item.index].file, item.signature, item.record, cache.options().root);
        refused += "\n  " + describe(c, item.check) + " (" + files[item.index].url + ")";
        if (first_fix.empty()) first_fix = fix_for(item.check);
    }
    if (!refused.empty())
        return Error(ErrorKind::Resolution,
                     "refusing artifacts whose OpenPGP signature does not verify against a trusted key (resolver."
                     "trustedKeys); nothing of them was kept in the cache:" + refused,
                     "", first_fix); // each line names its artifact and URL
    if (unverified && log)
        log("warning: " + std::to_string(unverified) +
            " artifact(s) not verified by a trusted key (listed above); trust their signers with "
            "resolver.trustedKeys, or set resolver.signaturePolicy=require to refuse them");
    return signers;
}

} // namespace streamsubmit::resolver
