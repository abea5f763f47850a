#include "resolver/gpgme_support.h"

#include <clocale>
#include <mutex>

namespace streamsubmit::resolver {

std::string gpgme_message(gpgme_error_t err) { return gpgme_strerror(err); }

Result<GpgmeContext> new_gpgme_context(const std::string &home) {
    static std::once_flag once;
    static bool engine_ok = false;
    std::call_once(once, [] {
        gpgme_check_version(nullptr); // required once before any other call
        gpgme_set_locale(nullptr, LC_CTYPE, std::setlocale(LC_CTYPE, nullptr));
        engine_ok = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP) == GPG_ERR_NO_ERROR;
    });
    const auto fail = [](const std::string &what) {
        return Error(ErrorKind::Resolution, what, "gpg",
                     "install GnuPG (Debian: apt-get install gpg; scripts/setup does), which GPGME runs to check and "
                     "make signatures");
    };
    if (!engine_ok) return fail("OpenPGP signatures cannot be checked: GPGME finds no usable gpg");
    gpgme_ctx_t raw = nullptr;
    if (auto err = gpgme_new(&raw); err) return fail("cannot start GPGME: " + gpgme_message(err));
    GpgmeContext ctx(raw);
    if (auto err = gpgme_set_protocol(ctx.get(), GPGME_PROTOCOL_OpenPGP); err)
        return fail("GPGME has no OpenPGP engine: " + gpgme_message(err));
    if (!home.empty())
        if (auto err = gpgme_ctx_set_engine_info(ctx.get(), GPGME_PROTOCOL_OpenPGP, nullptr, home.c_str()); err)
            return fail("cannot point GPGME at its private keyring: " + gpgme_message(err));
    return ctx;
}

} // namespace streamsubmit::resolver
