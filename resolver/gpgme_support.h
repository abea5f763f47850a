// What the GPGME users of the resolver share: the one-time library set-up and a context
// that owns its handle.
#pragma once

#include "common/error.h"

#include <gpgme.h>

#include <memory>
#include <string>

namespace streamsubmit::resolver {

struct GpgmeContextFree {
    void operator()(gpgme_ctx_t ctx) const { gpgme_release(ctx); }
};
using GpgmeContext = std::unique_ptr<gpgme_context, GpgmeContextFree>;

struct GpgmeDataFree {
    void operator()(gpgme_data_t data) const { gpgme_data_release(data); }
};
using GpgmeData = std::unique_ptr<gpgme_data, GpgmeDataFree>;

struct GpgmeKeyFree {
    void operator()(gpgme_key_t key) const { gpgme_key_unref(key); }
};
using GpgmeKey = std::unique_ptr<_gpgme_key, GpgmeKeyFree>;

// An OpenPGP context; with `home`, on that GNUPGHOME instead of the user's.
// Errors are ErrorKind::Resolution naming the fix (install gpg).
Result<GpgmeContext> new_gpgme_context(const std::string &home = {});

std::string gpgme_message(gpgme_error_t err);

} // namespace streamsubmit::resolver
