#include "resolver/checksum.h"

#include <openssl/evp.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

namespace streamsubmit::resolver {
namespace {

const EVP_MD *md_of(HashAlgorithm a) {
    switch (a) {
    case HashAlgorithm::Sha512: return EVP_sha512();
    case HashAlgorithm::Sha256: return EVP_sha256();
    case HashAlgorithm::Sha1: return EVP_sha1();
    case HashAlgorithm::Md5: return EVP_md5();
    }
    return EVP_sha256();
}

struct CtxFree {
    void operator()(EVP_MD_CTX *c) const { EVP_MD_CTX_free(c); }
};

std::string hex(const unsigned char *data, unsigned len) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(len * 2);
    for (unsigned i = 0; i < len; ++i) {
        out += digits[data[i] >> 4];
        out += digits[data[i] & 0xf];
    }
    return out;
}

} // namespace

Result<ChecksumPolicy> parse_checksum_policy(std::string_view text) {
    if (text == "warn") return ChecksumPolicy::Warn;
    if (text == "fail") return ChecksumPolicy::Fail;
    if (text == "ignore") return ChecksumPolicy::Ignore;
    return Error(ErrorKind::Usage, "unknown checksum policy", std::string(text), "use warn, fail or ignore");
}

std::string_view checksum_policy_name(ChecksumPolicy p) {
    switch (p) {
    case ChecksumPolicy::Warn: return "warn";
    case ChecksumPolicy::Fail: return "fail";
    case ChecksumPolicy::Ignore: return "ignore";
    }
    return "warn";
}

std::string_view algorithm_extension(HashAlgorithm a) {
    switch (a) {
    case HashAlgorithm::Sha512: return "sha512";
    case HashAlgorithm::Sha256: return "sha256";
    case HashAlgorithm::Sha1: return "sha1";
    case HashAlgorithm::Md5: return "md5";
    }
    return "sha1";
}

size_t algorithm_hex_length(HashAlgorithm a) {
    switch (a) {
    case HashAlgorithm::Sha512: return 128;
    case HashAlgorithm::Sha256: return 64;
    case HashAlgorithm::Sha1: return 40;
    case HashAlgorithm::Md5: return 32;
    }
    return 0;
}

std::optional<std::string> parse_checksum_file(std::string_view content, HashAlgorithm a) {
    // First non-empty line.
    std::string_view line;
    while (!content.empty()) {
        const size_t nl = content.find('\n');
        line = content.substr(0, nl);
        content = nl == std::string_view::npos ? std::string_view{} : content.substr(nl + 1);
        while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
        while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.remove_prefix(1);
        if (!line.empty()) break;
    }
    if (line.empty()) return std::nullopt;
    std::string_view value;
    if (line.find(") = ") != std::string_view::npos || line.find(")= ") != std::string_view::npos) {
        value = line.substr(line.rfind(' ') + 1); // "SHA1 (file) = hex"
    } else {
        value = line.substr(0, line.find_first_of(" \t")); // "hex  file" or "hex"
    }
    std::string out;
    for (const char c : value) {
        if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (out.size() != algorithm_hex_length(a)) return std::nullopt;
    return out;
}

std::string hash_bytes(std::string_view data, HashAlgorithm a) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_Digest(data.data(), data.size(), md, &len, md_of(a), nullptr);
    return hex(md, len);
}

Result<std::string> hash_file(const std::filesystem::path &path, HashAlgorithm a) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Error(ErrorKind::Resolution, std::string("cannot read file to hash it: ") + std::strerror(errno),
                     path.string(), "check the file's permissions");
    std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
    EVP_DigestInit_ex(ctx.get(), md_of(a), nullptr);
    char buf[1 << 16];
    while (in) {
        in.read(buf, sizeof buf);
        if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buf, static_cast<size_t>(in.gcount()));
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx.get(), md, &len);
    return hex(md, len);
}

} // namespace streamsubmit::resolver
