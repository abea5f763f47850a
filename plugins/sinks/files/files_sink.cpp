#include "files_sink.h"

#include "files_progress.h"

#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <thread>
#include <unistd.h>

namespace streamsubmit::sinks {
namespace fs = std::filesystem;
namespace {

constexpr size_t kFlushBytes = size_t{1} << 20; // one write() per MiB of output

constexpr const char *kTempPrefix = ".streamsubmit-tmp-";

// "<host>~<pid>~": instances on several hosts may share the directory (group mode) and write the
// same range (a zombie and the partition's new owner), so each writes its own temporary files.
std::string writer_tag() {
    char host[256] = "localhost";
    ::gethostname(host, sizeof host - 1);
    return std::string(host) + "~" + std::to_string(::getpid()) + "~";
}

// A temporary file of a writer on this host that is no longer running (crashed mid-batch).
bool left_by_dead_writer(const std::string &name, const std::string &this_host) {
    if (!name.starts_with(kTempPrefix)) return false;
    const std::string tag = name.substr(std::strlen(kTempPrefix));
    const size_t host_end = tag.find('~');
    if (host_end == std::string::npos) return true; // an older version's: one writer per directory
    if (tag.compare(0, host_end, this_host) != 0) return false;
    const pid_t pid = static_cast<pid_t>(std::atol(tag.c_str() + host_end + 1));
    return pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH);
}

SinkError io_error(const std::string &what, const fs::path &path, int err) {
    return {SS_ERR_INTERNAL, "files sink: " + what + " " + path.string() + ": " + std::strerror(err)};
}

} // namespace

std::unique_ptr<FilesSink> FilesSink::create(FilesSinkOptions options, SinkError &error) {
    std::error_code ec;
    fs::create_directories(options.dir, ec);
    if (ec || !fs::is_directory(options.dir)) {
        error = {SS_ERR_CONFIG, "files sink: sink.files.dir=" + options.dir.string() +
                                    " is not a directory that can be created (" +
                                    (ec ? ec.message() : "a file is in the way") + ")"};
        return nullptr;
    }
    // Temporary files of a run that crashed mid-batch: never renamed, so never seen; the
    // re-run batch writes them again.
    const std::string tag = writer_tag();
    const std::string host = tag.substr(0, tag.find('~'));
    for (const auto &entry : fs::directory_iterator(options.dir, ec))
        if (left_by_dead_writer(entry.path().filename().string(), host)) fs::remove(entry.path(), ec);
    return std::unique_ptr<FilesSink>(new FilesSink(std::move(options)));
}

FilesSink::~FilesSink() {
    for (auto &[id, files] : batches_) discard(files);
}

std::string FilesSink::file_name(const ss_offset_range &range) const {
    char offset[24];
    std::snprintf(offset, sizeof offset, "%020" PRId64, range.from);
    return std::string(range.topic) + "+" + std::to_string(range.partition) + "+" + offset +
           (options_.format.json ? ".jsonl" : ".raw");
}

FilesSink::RangeFile *FilesSink::range_file(const ss_batch &batch, const ss_offset_range &range, bool create,
                                            SinkError &error) {
    const size_t index = range_index(batch, range);
    if (index >= batch.range_count) {
        error = {SS_ERR_INTERNAL, "files sink: the range is not one of the batch's"};
        return nullptr;
    }
    std::lock_guard lock(mutex_);
    auto &files = batches_[batch.id];
    if (files.ranges.size() < batch.range_count) files.ranges.resize(batch.range_count);
    auto &slot = files.ranges[index];
    if (slot || !create) return slot.get();
    auto file = std::make_unique<RangeFile>();
    const std::string name = file_name(range);
    file->final = options_.dir / name;
    file->temp = options_.dir / (kTempPrefix + writer_tag() + name);
    file->fd = ::open(file->temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (file->fd < 0) {
        error = io_error("cannot create", file->temp, errno);
        return nullptr;
    }
    file->buffer.reserve(kFlushBytes + (size_t{64} << 10));
    file->json_prefix = json_record_prefix(range.topic, range.partition);
    slot = std::move(file);
    return slot.get();
}

SinkError FilesSink::flush(RangeFile &file) {
    if (file.buffer.empty()) return {};
    auto error = write_all(file.fd, file.buffer, "files", file.temp.string());
    file.buffer.clear();
    return error;
}

SinkError FilesSink::process(const ss_batch &batch, const ss_offset_range &range, const ss_record *records,
                             size_t count, size_t stride) {
    SinkError error;
    RangeFile *file = range_file(batch, range, true, error);
    if (!file) return error;
    std::string &out = file->buffer;
    for (size_t i = 0; i < count; ++i) {
        const ss_record &r = *ss_const_at(ss_record, records, stride, i);
        if (options_.format.json)
            append_json_record(out, r, file->json_prefix);
        else
            append_raw_record(out, r, options_.format.delimiter);
        if (out.size() >= kFlushBytes)
            if (auto e = flush(*file)) return e;
    }
    if (options_.test_delay_ms > 0) { // crash tests: a kill now lands while the batch is half written
        if (auto e = flush(*file)) return e;
        std::this_thread::sleep_for(std::chrono::milliseconds(options_.test_delay_ms));
    }
    return {};
}

SinkError FilesSink::finish_range(const ss_batch &batch, const ss_offset_range &range) {
    SinkError error;
    RangeFile *file = range_file(batch, range, false, error);
    if (!file) return error; // no record: no file
    if (auto e = flush(*file)) return e;
    if (::fsync(file->fd) != 0) return io_error("cannot fsync", file->temp, errno);
    const int rc = ::close(file->fd);
    file->fd = -1;
    if (rc != 0) return io_error("cannot close", file->temp, errno);
    file->finished = true;
    return {};
}

FilesSink::BatchFiles FilesSink::take(int64_t batch) {
    std::lock_guard lock(mutex_);
    const auto it = batches_.find(batch);
    if (it == batches_.end()) return {}; // nothing written: every range was empty
    BatchFiles files = std::move(it->second);
    batches_.erase(it);
    return files;
}

// Renames the batch's finished files into place; discards them all on failure.
SinkError FilesSink::publish(BatchFiles &files) {
    SinkError error;
    bool renamed = false;
    for (auto &file : files.ranges) {
        if (!file || error) continue;
        if (!file->finished) {
            error = {SS_ERR_INTERNAL, "files sink: commit before " + file->final.filename().string() + " was finished"};
            continue;
        }
        if (::rename(file->temp.c_str(), file->final.c_str()) != 0) {
            error = io_error("cannot rename into place", file->final, errno);
            continue;
        }
        renamed = true;
    }
    if (error) {
        discard(files);
        return error;
    }
    return renamed ? fsync_directory(options_.dir) : SinkError{};
}

SinkError FilesSink::commit(const ss_batch &batch) {
    BatchFiles files = take(batch.id);
    if (!batch.group_metadata || batch.group_metadata_size == 0) return publish(files);
    // Group mode: the ranges commit only where every partition's progress is still their start.
    std::vector<const ss_offset_range *> moved;
    std::vector<std::pair<std::string, int32_t>> partitions;
    for (size_t i = 0; i < batch.range_count; ++i)
        if (const ss_offset_range *r = ss_batch_range_at(&batch, i); r->until > r->from) {
            moved.push_back(r);
            partitions.emplace_back(r->topic, r->partition);
        }
    PartitionProgress::Locks locks;
    SinkError error = progress_.lock(partitions, locks);
    for (size_t i = 0; i < moved.size() && !error; ++i) {
        const auto at = progress_.read(moved[i]->topic, moved[i]->partition);
        if (at && *at != moved[i]->from)
            error = {SS_ERR_REBALANCED, "files sink: another instance committed " + std::string(moved[i]->topic) + "+" +
                                            std::to_string(moved[i]->partition) + " up to offset " +
                                            std::to_string(*at) + " since batch " + std::to_string(batch.id) +
                                            " was planned from " + std::to_string(moved[i]->from) +
                                            "; nothing of the batch is written"};
    }
    if (error) {
        discard(files);
        return error;
    }
    if (auto e = publish(files)) return e;
    for (const ss_offset_range *r : moved)
        if (auto e = progress_.write(r->topic, r->partition, r->until)) return e;
    return moved.empty() ? SinkError{} : progress_.sync();
}

void FilesSink::discard(BatchFiles &files) {
    for (auto &file : files.ranges) {
        if (!file) continue;
        if (file->fd >= 0) ::close(file->fd);
        file->fd = -1;
        ::unlink(file->temp.c_str()); // already renamed ones are gone from here: ENOENT is fine
    }
}

void FilesSink::abort(const ss_batch &batch) {
    BatchFiles files = take(batch.id);
    discard(files);
}

SinkError FilesSink::recover(ss_topic_partition *positions, size_t count, size_t stride) {
    if (count == 0) return {};
    const auto newest = options_.format.json ? newest_files(options_.dir, ".jsonl")
                                             : std::map<PartitionKey, std::filesystem::path>{};
    for (size_t i = 0; i < count; ++i) {
        ss_topic_partition &p = *ss_at(ss_topic_partition, positions, stride, i);
        if (const auto at = progress_.read(p.topic ? p.topic : "", p.partition)) { // group mode's commits
            p.offset = *at;
            continue;
        }
        const auto it = newest.find({p.topic ? p.topic : "", p.partition});
        if (it == newest.end()) continue;
        if (const auto next = next_offset_of_json_file(it->second); next && *next > p.offset) p.offset = *next;
    }
    return {};
}

} // namespace streamsubmit::sinks
