// Signing for `streamsubmit publish --sign`: armored detached signatures, as
// `gpg --detach-sign --armor` and `mvn gpg:sign` write them, made with GPGME and the user's
// own GnuPG keyring ($GNUPGHOME, else ~/.gnupg), where the secret key lives.
#pragma once

#include "common/error.h"

#include <string>
#include <string_view>

namespace streamsubmit::resolver {

// The .asc text for `content` (named `what` in errors), signed by `key` (a fingerprint, key
// id or user id), or by gpg's default key when `key` is empty. Errors are ErrorKind::Resolution.
Result<std::string> sign_detached(std::string_view content, const std::string &what, const std::string &key);

} // namespace streamsubmit::resolver
