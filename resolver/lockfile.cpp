#include "resolver/lockfile.h"

#include "common/atomic_file.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <unistd.h>

namespace streamsubmit::resolver {
namespace {

Error bad(const std::string &source, const std::string &what) {
    return Error(ErrorKind::Resolution, "malformed lockfile: " + what, source,
                 "delete the lockfile to resolve again and write a new one");
}

} // namespace

std::string render_lockfile(const Lockfile &lock) {
    nlohmann::ordered_json j;
    j["version"] = lock.version;
    j["requested"] = lock.requested;
    j["exclusions"] = lock.exclusions;
    j["roots"] = lock.roots;
    auto arr = nlohmann::ordered_json::array();
    for (const auto &a : lock.artifacts) {
        nlohmann::ordered_json e;
        e["coordinate"] = a.coordinate;
        if (!a.type.empty()) e["type"] = a.type;
        e["scope"] = a.scope;
        e["repository"] = a.repository;
        e["sha256"] = a.sha256;
        if (!a.signing_key.empty()) e["signingKey"] = a.signing_key;
        e["depth"] = a.depth;
        e["children"] = a.children;
        arr.push_back(std::move(e));
    }
    j["artifacts"] = std::move(arr);
    return j.dump(2) + "\n";
}

Result<Lockfile> parse_lockfile(std::string_view text, const std::string &source) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception &e) {
        return bad(source, e.what());
    }
    try {
        Lockfile l;
        l.version = j.at("version").get<int>();
        if (l.version != 1) return bad(source, "unsupported version " + std::to_string(l.version));
        l.requested = j.at("requested").get<std::vector<std::string>>();
        l.exclusions = j.value("exclusions", std::vector<std::string>{});
        l.roots = j.at("roots").get<std::vector<size_t>>();
        for (const auto &e : j.at("artifacts")) {
            LockEntry a;
            a.coordinate = e.at("coordinate").get<std::string>();
            a.type = e.value("type", "");
            a.scope = e.value("scope", "compile");
            a.repository = e.value("repository", "");
            a.sha256 = e.at("sha256").get<std::string>();
            a.signing_key = e.value("signingKey", "");
            a.depth = e.value("depth", 1);
            a.children = e.value("children", std::vector<size_t>{});
            l.artifacts.push_back(std::move(a));
        }
        for (size_t r : l.roots)
            if (r >= l.artifacts.size()) return bad(source, "root index out of range");
        for (const auto &a : l.artifacts)
            for (size_t c : a.children)
                if (c >= l.artifacts.size()) return bad(source, "child index out of range in " + a.coordinate);
        return l;
    } catch (const nlohmann::json::exception &e) {
        return bad(source, e.what());
    }
}

Result<Lockfile> read_lockfile(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Error(ErrorKind::Resolution, std::string("cannot read lockfile: ") + std::strerror(errno), path.string(),
                     "check the path given to --lockfile");
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    return parse_lockfile(text, path.string());
}

Status write_lockfile(const std::filesystem::path &path, const Lockfile &lock) {
    if (auto st = write_file_atomically(path, render_lockfile(lock), 0644); !st) {
        Error e = st.error();
        e.kind = ErrorKind::Resolution;
        e.what = "cannot write lockfile: " + e.what;
        e.hint = "check that the lockfile's directory exists and is writable, and the free space";
        return e;
    }
    return ok_status();
}

} // namespace streamsubmit::resolver
