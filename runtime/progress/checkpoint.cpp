#include "runtime/progress/checkpoint.h"

#include "common/atomic_file.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

namespace streamsubmit::runtime {
namespace fs = std::filesystem;
namespace {

constexpr int kFormatVersion = 1;

Error corrupt(const std::string &origin, const std::string &why) {
    return Error(ErrorKind::Usage, "checkpoint is corrupt: " + why, origin,
                 "restore the directory from a backup, or move it aside to start afresh (that forgets progress)");
}

std::optional<std::string> read_file(const fs::path &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The integer at doc[key] if it is one and fits T: a float or an out-of-range number is not
// (converting those would be undefined behaviour). Throws as json::at when key is missing.
template <class T> std::optional<T> integer_at(const nlohmann::json &doc, const char *key) {
    const auto &v = doc.at(key);
    if (v.is_number_unsigned()) {
        const auto u = v.get<uint64_t>();
        if (u > static_cast<uint64_t>(std::numeric_limits<T>::max())) return std::nullopt;
        return static_cast<T>(u);
    }
    if (!v.is_number_integer()) return std::nullopt;
    const auto i = v.get<int64_t>();
    if (i < std::numeric_limits<T>::min() || i > std::numeric_limits<T>::max()) return std::nullopt;
    return static_cast<T>(i);
}

// Batch files are named by zero-padded id so that names sort like ids.
fs::path batch_file(const fs::path &dir, int64_t id) { return dir / "batches" / fmt::format("{:020}.json", id); }

std::vector<std::pair<int64_t, fs::path>> list_batches(const fs::path &dir) {
    std::vector<std::pair<int64_t, fs::path>> out;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(dir / "batches", ec)) {
        const std::string name = entry.path().filename().string();
        if (!name.ends_with(".json")) continue; // leftovers of an interrupted write end in .tmp.<pid>
        int64_t id = -1;
        const auto [ptr, err] = std::from_chars(name.data(), name.data() + name.size() - 5, id);
        if (err == std::errc{} && ptr == name.data() + name.size() - 5) out.emplace_back(id, entry.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

std::string batch_record_to_json(const BatchRecord &batch) {
    nlohmann::json ranges = nlohmann::json::array();
    for (const auto &r : batch.ranges)
        ranges.push_back({{"topic", r.tp.topic}, {"partition", r.tp.partition}, {"from", r.from}, {"until", r.until}});
    const nlohmann::json doc = {{"format", kFormatVersion},
                                {"batch", batch.id},
                                {"time", batch.time_ms},
                                {"status", batch.complete ? "complete" : "planned"},
                                {"ranges", ranges}};
    return doc.dump(1) + "\n";
}

Result<BatchRecord> batch_record_from_json(const std::string &text, const std::string &origin) {
    const auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return corrupt(origin, "not a JSON object");
    try {
        if (integer_at<int>(doc, "format") != kFormatVersion)
            return corrupt(origin, fmt::format("unknown format {}", doc.at("format").dump()));
        BatchRecord batch;
        const auto id = integer_at<int64_t>(doc, "batch");
        const auto time_ms = integer_at<int64_t>(doc, "time");
        if (!id || !time_ms) return corrupt(origin, "batch and time must be integers");
        batch.id = *id;
        batch.time_ms = *time_ms;
        const auto status = doc.at("status").get<std::string>();
        if (status != "planned" && status != "complete") return corrupt(origin, "unknown status '" + status + "'");
        batch.complete = status == "complete";
        for (const auto &r : doc.at("ranges")) {
            const auto partition = integer_at<int32_t>(r, "partition");
            const auto from = integer_at<int64_t>(r, "from");
            const auto until = integer_at<int64_t>(r, "until");
            if (!partition || !from || !until)
                return corrupt(origin, "partition, from and until of a range must be integers");
            OffsetRange range{{r.at("topic").get<std::string>(), *partition}, *from, *until};
            if (range.from < 0 || range.until < range.from)
                return corrupt(origin, fmt::format("invalid range of {}", to_string(range.tp)));
            batch.ranges.push_back(std::move(range));
        }
        return batch;
    } catch (const nlohmann::json::exception &e) {
        return corrupt(origin, std::string("missing or mistyped field: ") + e.what());
    }
}

Result<Checkpoint> Checkpoint::open(const fs::path &dir, const std::string &subscription, int keep_batches) {
    if (auto st = create_private_directory(dir / "batches"); !st) return st.error();
    auto lock = DirLock::acquire(dir, "checkpoint directory");
    if (!lock) return lock.error();
    Checkpoint cp(dir, std::max(1, keep_batches), std::move(*lock));
    const fs::path meta_path = dir / "metadata.json";
    if (const auto text = read_file(meta_path)) {
        const auto meta = nlohmann::json::parse(*text, nullptr, false);
        if (meta.is_discarded() || !meta.is_object() || !meta.contains("subscription") ||
            !meta["subscription"].is_string())
            return corrupt(meta_path.string(), "metadata is unreadable");
        const auto recorded = meta["subscription"].get<std::string>();
        if (recorded != subscription)
            return Error(ErrorKind::Usage,
                         fmt::format("checkpoint belongs to another job: it was written for {}, this job reads {}",
                                     recorded, subscription),
                         dir.string(), "use a separate --checkpoint directory for each set of topics");
    } else {
        const nlohmann::json meta = {{"format", kFormatVersion}, {"subscription", subscription}};
        if (auto st = write_file_atomically(meta_path, meta.dump(1) + "\n"); !st) return st.error();
    }
    if (auto st = cp.load_latest(); !st) return st.error();
    return cp;
}

Status Checkpoint::load_latest() {
    const auto batches = list_batches(dir_);
    if (batches.empty()) return ok_status();
    const auto &[id, path] = batches.back();
    const auto text = read_file(path);
    if (!text) return corrupt(path.string(), "cannot be read");
    auto batch = batch_record_from_json(*text, path.string());
    if (!batch) return batch.error();
    if (batch->id != id) return corrupt(path.string(), "batch id does not match the file name");
    last_ = std::move(*batch);
    return ok_status();
}

Status Checkpoint::record(const BatchRecord &batch) {
    if (auto st = write_file_atomically(batch_file(dir_, batch.id), batch_record_to_json(batch)); !st) return st;
    last_ = batch;
    if (batch.complete) prune();
    return ok_status();
}

void Checkpoint::prune() const {
    const auto batches = list_batches(dir_);
    std::error_code ec;
    for (size_t i = 0; i + static_cast<size_t>(keep_) < batches.size(); ++i) fs::remove(batches[i].second, ec);
}

Result<CheckpointView> read_checkpoint(const fs::path &dir) {
    const fs::path meta_path = dir / "metadata.json";
    const auto text = read_file(meta_path);
    if (!text)
        return Error(ErrorKind::Usage, "not a checkpoint directory (no metadata.json)", dir.string(),
                     "give the --checkpoint DIR of a job that has started at least once");
    const auto meta = nlohmann::json::parse(*text, nullptr, false);
    if (meta.is_discarded() || !meta.is_object() || !meta.contains("subscription") || !meta["subscription"].is_string())
        return corrupt(meta_path.string(), "metadata is unreadable");
    CheckpointView view{meta["subscription"].get<std::string>(), std::nullopt};
    // The job prunes old batches as it completes new ones: a listed file may be gone when read.
    for (int attempt = 0; attempt < 5; ++attempt) {
        const auto batches = list_batches(dir);
        if (batches.empty()) return view;
        const auto &[id, path] = batches.back();
        const auto body = read_file(path);
        if (!body) continue;
        auto batch = batch_record_from_json(*body, path.string());
        if (!batch) return batch.error();
        view.last = std::move(*batch);
        return view;
    }
    return Error(ErrorKind::Runtime, "the checkpoint's batch files kept disappearing while being read", dir.string(),
                 "run status again");
}

} // namespace streamsubmit::runtime
