// Checksum sidecars (.sha512 .sha256 .sha1 .md5) and hashing with OpenSSL's libcrypto.
#pragma once

#include "common/error.h"

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace streamsubmit::resolver {

// What happens when a file has no checksum sidecar. A checksum that is present and
// does not match is always an error (Maven's "warn" once cached HTML pages as jars),
// unless the policy is Ignore, which does not look at checksums at all.
enum class ChecksumPolicy { Warn, Fail, Ignore };

Result<ChecksumPolicy> parse_checksum_policy(std::string_view text);
std::string_view checksum_policy_name(ChecksumPolicy policy);

enum class HashAlgorithm { Sha512, Sha256, Sha1, Md5 };

// The order sidecars are looked for: .sha1 first, since every Maven repository has it
// (one request in the common case), then the stronger ones, .md5 last.
constexpr std::array<HashAlgorithm, 4> kSidecarAlgorithms = {HashAlgorithm::Sha1, HashAlgorithm::Sha256,
                                                             HashAlgorithm::Sha512, HashAlgorithm::Md5};
constexpr std::array<HashAlgorithm, 4> kAllAlgorithms = {HashAlgorithm::Md5, HashAlgorithm::Sha1, HashAlgorithm::Sha256,
                                                         HashAlgorithm::Sha512};

std::string_view algorithm_extension(HashAlgorithm a); // "sha512", "sha256", "sha1", "md5"
size_t algorithm_hex_length(HashAlgorithm a);

// The first non-empty line, up to the first space; or, in the "ALG (file) = hex" form,
// what follows the last space. Lower-cased. nullopt when that is not hex of the
// algorithm's length.
std::optional<std::string> parse_checksum_file(std::string_view content, HashAlgorithm a);

std::string hash_bytes(std::string_view data, HashAlgorithm a);
Result<std::string> hash_file(const std::filesystem::path &path, HashAlgorithm a);

} // namespace streamsubmit::resolver
