#include "resolver/verification_record.h"

#include "common/atomic_file.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace fs = std::filesystem;

namespace streamsubmit::resolver {
namespace {

struct Stamp {
    long long size = -1;
    long long mtime_ns = -1;
};

Stamp stamp_of(const fs::path &file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) return {};
    return {static_cast<long long>(st.st_size),
            static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + static_cast<long long>(st.st_mtim.tv_nsec)};
}

std::optional<SignatureOutcome> outcome_named(const std::string &name) {
    for (auto o : {SignatureOutcome::Verified, SignatureOutcome::Unsigned, SignatureOutcome::UnknownKey,
                   SignatureOutcome::KeyExpired})
        if (outcome_text(o) == name) return o;
    return std::nullopt; // refusals are never recorded
}

} // namespace

fs::path record_path(const fs::path &cached_location) { return cached_location.string() + ".signature.json"; }

std::optional<VerificationRecord> read_record(const fs::path &record, const fs::path &file, const std::string &trust) {
    std::ifstream in(record, std::ios::binary);
    if (!in) return std::nullopt;
    try {
        const auto j = nlohmann::json::parse(in);
        const Stamp now = stamp_of(file);
        if (j.at("size").get<long long>() != now.size || j.at("mtime_ns").get<long long>() != now.mtime_ns)
            return std::nullopt;
        if (j.at("trust").get<std::string>() != trust) return std::nullopt;
        auto outcome = outcome_named(j.at("outcome").get<std::string>());
        if (!outcome) return std::nullopt;
        return VerificationRecord{*outcome, j.value("fingerprint", ""), trust};
    } catch (const nlohmann::json::exception &) {
        return std::nullopt; // damaged: checked again
    }
}

// Written to a temporary file and renamed over the record, so a reader sees a whole record or
// none; not fsynced (two fsyncs per artifact cost a cold resolution seconds): a record lost or
// torn by a power cut fails to parse or to match, and the file is simply checked again.
Status replace_file(const fs::path &path, const std::string &content) {
    static std::atomic<unsigned> counter{0};
    const fs::path temp = path.string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return Error(ErrorKind::Resolution, std::string("cannot write: ") + std::strerror(errno), temp.string());
    const bool written = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
    ::close(fd);
    if (!written || ::rename(temp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(temp.c_str());
        return Error(ErrorKind::Resolution, "cannot write: " + why, path.string());
    }
    return ok_status();
}

Status write_record(const fs::path &record, const fs::path &file, const VerificationRecord &what) {
    const Stamp s = stamp_of(file);
    nlohmann::ordered_json j;
    j["outcome"] = std::string(outcome_text(what.outcome));
    j["fingerprint"] = what.fingerprint;
    j["trust"] = what.trust;
    j["size"] = s.size;
    j["mtime_ns"] = s.mtime_ns;
    if (auto st = create_private_directory(record.parent_path()); !st) return st;
    return replace_file(record, j.dump() + "\n");
}

void remove_record(const fs::path &record) {
    std::error_code ec;
    fs::remove(record, ec);
}

} // namespace streamsubmit::resolver
