#include "resolver/pgp_sign.h"

#include "resolver/gpgme_support.h"

namespace streamsubmit::resolver {
namespace {

Error sign_error(const std::string &what, const std::string &input) {
    return Error(ErrorKind::Resolution, what, input,
                 "check the key with gpg --list-secret-keys (GNUPGHOME selects the keyring); --sign KEY takes its "
                 "fingerprint, key id or user id, --sign alone uses gpg's default key");
}

} // namespace

Result<std::string> sign_detached(std::string_view content, const std::string &what, const std::string &key) {
    auto ctx = new_gpgme_context();
    if (!ctx) return ctx.error();
    gpgme_set_armor(ctx->get(), 1);
    if (!key.empty()) {
        gpgme_key_t raw = nullptr;
        if (auto err = gpgme_get_key(ctx->get(), key.c_str(), &raw, 1); err || !raw)
            return sign_error("no secret key for signing" + (err ? ": " + gpgme_message(err) : std::string()), key);
        GpgmeKey signer(raw);
        if (auto err = gpgme_signers_add(ctx->get(), signer.get()); err)
            return sign_error("cannot sign with this key: " + gpgme_message(err), key);
    }
    gpgme_data_t raw_in = nullptr, raw_out = nullptr;
    if (auto err = gpgme_data_new_from_mem(&raw_in, content.data(), content.size(), 0); err)
        return sign_error("cannot read what to sign: " + gpgme_message(err), what);
    GpgmeData in(raw_in);
    if (auto err = gpgme_data_new(&raw_out); err) return sign_error("GPGME: " + gpgme_message(err), what);
    GpgmeData out(raw_out);
    if (auto err = gpgme_op_sign(ctx->get(), in.get(), out.get(), GPGME_SIG_MODE_DETACH); err)
        return sign_error("signing " + what + " failed: " + gpgme_message(err), key.empty() ? "gpg's default key" : key);
    const gpgme_sign_result_t result = gpgme_op_sign_result(ctx->get());
    if (!result || !result->signatures || result->invalid_signers)
        return sign_error("signing failed: gpg made no signature", key.empty() ? "gpg's default key" : key);
    size_t size = 0;
    char *bytes = gpgme_data_release_and_get_mem(out.release(), &size);
    std::string text(bytes ? bytes : "", size);
    gpgme_free(bytes);
    return text;
}

} // namespace streamsubmit::resolver
