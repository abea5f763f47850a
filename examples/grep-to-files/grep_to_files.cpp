// grep-to-files: a streamsubmit application in C++. It keeps the records whose value contains
// a text and writes them, one batch per file, exactly once:
//
//   streamsubmit [options] grep-to-files.so TEXT DIR
//
// DIR/batch-<id>.txt holds "<topic> <partition> <offset> <value>" lines in partition and offset
// order. The file appears complete under its final name at commit (temporary name, fsync,
// rename), and a batch streamsubmit re-runs after a crash has the same id and the same records,
// so it rewrites the same file. C++ stays inside: every entry point catches what it throws.
#include <streamsubmit/plugin.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

class GrepToFiles {
public:
    GrepToFiles(std::string text, std::string dir) : text_(std::move(text)), dir_(std::move(dir)) {}

    // Reader threads, several partitions at once.
    void process(const ss_batch &batch, const ss_record *records, size_t count, size_t stride) {
        std::vector<std::string> lines;
        for (size_t i = 0; i < count; ++i) {
            const ss_record &r = *ss_const_at(ss_record, records, stride, i);
            const std::string value(r.value ? static_cast<const char *>(r.value) : "", r.value_len);
            if (value.find(text_) == std::string::npos) continue;
            lines.push_back(std::string(r.topic) + " " + std::to_string(r.partition) + " " + std::to_string(r.offset) +
                            " " + value + "\n");
        }
        std::lock_guard lock(mutex_);
        auto &batch_lines = pending_[batch.id];
        for (auto &line : lines) batch_lines[{records->topic, records->partition}].push_back(std::move(line));
    }

    // Driver thread: the batch's file, complete, under its final name.
    void commit(const ss_batch &batch) {
        std::map<std::pair<std::string, int32_t>, std::vector<std::string>> lines;
        {
            std::lock_guard lock(mutex_);
            lines = std::move(pending_[batch.id]);
            pending_.erase(batch.id);
        }
        const std::string final_name = dir_ + "/batch-" + std::to_string(batch.id) + ".txt";
        const std::string temp = final_name + ".tmp";
        {
            std::ofstream out(temp, std::ios::binary | std::ios::trunc);
            for (const auto &[partition, partition_lines] : lines)
                for (const auto &line : partition_lines) out << line;
            out.flush();
            if (!out) throw std::runtime_error("cannot write " + temp);
        }
        const int fd = ::open(temp.c_str(), O_RDONLY);
        const bool synced = fd >= 0 && ::fsync(fd) == 0;
        if (fd >= 0) ::close(fd);
        if (!synced || std::rename(temp.c_str(), final_name.c_str()) != 0)
            throw std::runtime_error("cannot put " + final_name + " in place: " + std::strerror(errno));
    }

    void abort(const ss_batch &batch) {
        std::lock_guard lock(mutex_);
        pending_.erase(batch.id);
    }

private:
    const std::string text_, dir_;
    std::mutex mutex_;
    std::map<int64_t, std::map<std::pair<std::string, int32_t>, std::vector<std::string>>> pending_;
};

GrepToFiles *impl(ss_app *app) { return reinterpret_cast<GrepToFiles *>(app); }

template <class F>
ss_status guarded(ss_error *err, F &&f) noexcept {
    try {
        f();
        return SS_OK;
    } catch (const std::exception &e) {
        return ss_error_set(err, SS_ERR_INTERNAL, ("grep-to-files: " + std::string(e.what())).c_str());
    } catch (...) {
        return ss_error_set(err, SS_ERR_INTERNAL, "grep-to-files: unknown exception");
    }
}

ss_status create(const ss_app_params *params, ss_app **out, ss_error *err) {
    if (params->arg_count != 2) {
        const std::string message =
            "grep-to-files takes two arguments, TEXT and DIR (got " + std::to_string(params->arg_count) + ")";
        return ss_error_set(err, SS_ERR_CONFIG, message.c_str());
    }
    return guarded(err, [&] { *out = reinterpret_cast<ss_app *>(new GrepToFiles(params->args[0], params->args[1])); });
}

void destroy(ss_app *app) { delete impl(app); }

ss_status process(ss_app *app, const ss_batch *batch, const ss_offset_range *, const ss_record *records, size_t count,
                  size_t stride, ss_error *err) {
    return guarded(err, [&] { impl(app)->process(*batch, records, count, stride); });
}

ss_status commit(ss_app *app, const ss_batch *batch, ss_error *err) {
    return guarded(err, [&] { impl(app)->commit(*batch); });
}

void abort_batch(ss_app *app, const ss_batch *batch) {
    guarded(nullptr, [&] { impl(app)->abort(*batch); }); // abort has no ss_error: nothing to report
}

// C++ aggregate initialization names the fields in declaration order; the ones left out
// (finish_range, recover, keys) are null.
ss_application_api application_table() {
    ss_application_api api{};
    api.struct_size = sizeof(ss_application_api);
    api.create = create;
    api.destroy = destroy;
    api.process = process;
    api.commit = commit;
    api.abort = abort_batch;
    return api;
}

const ss_application_api application = application_table();

} // namespace

STREAMSUBMIT_PLUGIN(.name = "grep-to-files", .version = "1.0.0",
                    .description = "keeps the records whose value contains a text, one file per batch",
                    .application = &application)
