// Checksum sidecars (.sha1 .sha256 .sha512 .md5): never a crash; an accepted checksum is
// lower-case hex of the algorithm's length.
#include "fuzz_target.h"
#include "resolver/checksum.h"

using namespace streamsubmit::resolver;

STREAMSUBMIT_FUZZ_TARGET(checksum) {
    const auto text = fuzz_text(data, size);
    for (const auto a : kAllAlgorithms) {
        if (const auto hex = parse_checksum_file(text, a)) {
            FUZZ_CHECK(hex->size() == algorithm_hex_length(a));
            for (const char ch : *hex) FUZZ_CHECK((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'));
        }
    }
    (void)parse_checksum_policy(text);
    return 0;
}
