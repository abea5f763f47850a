#include "resolver/graph_cache.h"

#include "common/atomic_file.h"
#include "resolver/checksum.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>

namespace fs = std::filesystem;

namespace streamsubmit::resolver {
namespace {

constexpr int kFormat = 1;

long long to_seconds(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

} // namespace

GraphCache::GraphCache(const fs::path &cache_root, std::string key)
    : file_(cache_root / "graphs" / (hash_bytes(key, HashAlgorithm::Sha256) + ".json")), key_(std::move(key)) {}

std::optional<CachedGraph> GraphCache::load(std::chrono::seconds ttl) const {
    std::ifstream in(file_, std::ios::binary);
    if (!in) return std::nullopt;
    const std::string text(std::istreambuf_iterator<char>(in), {});
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    try {
        if (j.at("format").get<int>() != kFormat || j.at("key").get<std::string>() != key_) return std::nullopt;
        CachedGraph g;
        g.built_from = std::chrono::system_clock::time_point(std::chrono::seconds(j.at("builtFrom").get<long long>()));
        if (std::chrono::system_clock::now() - g.built_from >= ttl) return std::nullopt;
        g.roots = j.at("roots").get<std::vector<size_t>>();
        g.warnings = j.at("warnings").get<std::vector<std::string>>();
        for (const auto &e : j.at("artifacts")) {
            CachedArtifact a;
            a.coordinate = Coordinate{e.at("group").get<std::string>(), e.at("artifact").get<std::string>(),
                                      e.at("version").get<std::string>(), e.at("extension").get<std::string>(),
                                      e.at("classifier").get<std::string>(), e.at("type").get<std::string>()};
            a.scope = e.at("scope").get<std::string>();
            a.repository = e.at("repository").get<std::string>();
            a.depth = e.at("depth").get<int>();
            a.children = e.at("children").get<std::vector<size_t>>();
            g.artifacts.push_back(std::move(a));
        }
        for (size_t r : g.roots)
            if (r >= g.artifacts.size()) return std::nullopt;
        for (const auto &a : g.artifacts)
            for (size_t c : a.children)
                if (c >= g.artifacts.size()) return std::nullopt;
        return g;
    } catch (const nlohmann::json::exception &) {
        return std::nullopt; // written by another version, or damaged: resolve afresh and replace it
    }
}

Status GraphCache::store(const CachedGraph &g) const {
    nlohmann::ordered_json j;
    j["format"] = kFormat;
    j["key"] = key_;
    j["builtFrom"] = to_seconds(g.built_from);
    j["roots"] = g.roots;
    j["warnings"] = g.warnings;
    auto arr = nlohmann::ordered_json::array();
    for (const auto &a : g.artifacts) {
        const auto &c = a.coordinate;
        arr.push_back({{"group", c.group}, {"artifact", c.artifact}, {"version", c.version}, {"extension", c.extension},
                       {"classifier", c.classifier}, {"type", c.type}, {"scope", a.scope},
                       {"repository", a.repository}, {"depth", a.depth}, {"children", a.children}});
    }
    j["artifacts"] = std::move(arr);
    if (auto st = create_private_directory(file_.parent_path()); !st) return st;
    return write_file_atomically(file_, j.dump());
}

} // namespace streamsubmit::resolver
