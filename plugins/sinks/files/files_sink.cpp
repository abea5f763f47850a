#include "files_sink.h"

#include "files_progress.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <unistd.h>

namespace streamsubmit::sinks {
namespace fs = std::filesystem;
namespace {

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

const ss_offset_range *range_of(const ss_batch &batch, const std::string &topic, int32_t partition) {
    for (size_t i = 0; i < batch.range_count; ++i)
        if (const ss_offset_range *r = ss_batch_range_at(&batch, i); r->partition == partition && topic == r->topic)
            return r;
    return nullptr;
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
    // Temporary files of a run that crashed: never renamed, so never seen; their records are
    // written again (a re-run batch, or records read again from where the rolled files end).
    const std::string tag = writer_tag();
    const std::string host = tag.substr(0, tag.find('~'));
    for (const auto &entry : fs::directory_iterator(options.dir, ec))
        if (left_by_dead_writer(entry.path().filename().string(), host)) fs::remove(entry.path(), ec);
    return std::unique_ptr<FilesSink>(new FilesSink(std::move(options), tag));
}

FilesSink::~FilesSink() {
    // A clean stop or the end of a bounded run: what committed batches put in open files is
    // rolled, so that the next run does not read it again. On failure the files stay
    // temporary and recover says where to read again.
    if (options_.roll.rolling())
        if (auto e = commit_partitions(nullptr))
            options_.log(SS_LOG_WARN, e.message + "; the next run reads those records again");
    for (auto &[key, p] : partitions_) {
        for (auto &file : p->sealed) file->discard();
        if (p->open) p->open->discard();
    }
}

std::unique_ptr<FilesSink::Partition> FilesSink::make_partition(const std::string &topic, int32_t partition) const {
    auto p = std::make_unique<Partition>();
    p->topic = topic;
    p->partition = partition;
    p->json_prefix = json_record_prefix(topic.c_str(), partition);
    return p;
}

std::optional<int64_t> FilesSink::directory_end(const Key &key, const std::map<Key, fs::path> &newest,
                                                const std::optional<int64_t> &progress) const {
    std::optional<int64_t> end = progress;
    if (const auto it = newest.find(key); it != newest.end()) {
        const auto next = options_.format.json ? next_offset_of_json_file(it->second) : next_offset_of_raw_file(it->second);
        if (next && (!end || *next > *end)) end = next;
    }
    return end;
}

// The partition's state, made when a range of it first arrives, and marked as in this batch.
FilesSink::Partition &FilesSink::partition(const ss_batch &batch, const ss_offset_range &range) {
    std::lock_guard lock(mutex_);
    auto &slot = partitions_[Key{range.topic, range.partition}];
    if (!slot) {
        slot = make_partition(range.topic, range.partition);
        if (options_.roll.rolling()) { // before recover: a write-ahead log replay, or a partition found later
            const Key key{range.topic, range.partition};
            slot->progress = progress_.read(key.first, key.second);
            slot->next_start = directory_end(key, newest_files(options_.dir, extension()), slot->progress);
            slot->awaiting_recover = options_.receiver_mode && slot->next_start.has_value();
        }
    }
    Partition &p = *slot;
    if (p.batch != batch.id) {
        p.batch = batch.id;
        p.carried = p.open.get();
        p.batch_next_start = p.next_start;
        p.batch_until = -1;
    }
    return p;
}

// Receiver mode, before recover: a range that does not continue the files (replayed from the
// write-ahead log past records an unrolled file held) is left out; the receivers read it
// again from where recover says the files end.
bool FilesSink::drops(const Partition &p, const ss_offset_range &range) const {
    return p.awaiting_recover && !p.open && p.next_start && range.from > *p.next_start;
}

SinkError FilesSink::open_file(Partition &p, int64_t start) {
    const std::string name = file_name(p.topic, p.partition, start, std::nullopt, extension());
    SinkError error;
    p.open = PartitionFile::create(options_.dir / (kTempPrefix + writer_tag_ + name), start, error);
    return error;
}

// The open file is complete: fsynced now, renamed at commit; the next one starts after it.
SinkError FilesSink::seal_open(Partition &p) {
    if (auto e = p.open->seal()) return e;
    p.next_start = p.open->last_offset() + 1;
    p.sealed.push_back(std::move(p.open));
    return {};
}

SinkError FilesSink::process(const ss_batch &batch, const ss_offset_range &range, const ss_record *records,
                             size_t count, size_t stride) {
    Partition &p = partition(batch, range);
    if (p.failure) return p.failure;
    const bool rolling = options_.roll.rolling();
    if (rolling) {
        if (drops(p, range)) {
            options_.log(SS_LOG_INFO, "files sink: " + p.topic + "-" + std::to_string(p.partition) + " [" +
                                          std::to_string(range.from) + "," + std::to_string(range.until) +
                                          ") does not continue the rolled files (they end at " +
                                          std::to_string(*p.next_start) + "); it is read again from there");
            return {};
        }
        p.awaiting_recover = false;
    }
    for (size_t i = 0; i < count; ++i) {
        const ss_record &r = *ss_const_at(ss_record, records, stride, i);
        if (rolling) {
            // Records the files already hold (read again after recover, or replayed) are skipped.
            if (p.open ? r.offset <= p.open->last_offset() : (p.next_start && r.offset < *p.next_start)) continue;
        }
        // Decoded before anything is written: a record that cannot be fails the batch as it
        // is, or was rejected (to the dead letters) and opens no file.
        if (auto e = options_.format.decoding.decode(batch, r, p.decoded)) return e;
        if (p.decoded.rejected) continue;
        if (rolling && p.open && p.open->full(options_.roll))
            if (auto e = seal_open(p)) return e;
        // Rolling: a file starts where the previous one ended, so that a re-read after a
        // crash names it the same; without: where its range starts, as a re-run batch does.
        if (!p.open)
            if (auto e = open_file(p, rolling && p.next_start ? *p.next_start : range.from)) return e;
        auto e = p.open->append(r.offset, [&](std::string &out) {
            if (options_.format.json)
                append_json_record(out, r, p.json_prefix, &p.decoded);
            else
                append_raw_record(out, r, options_.format.delimiter);
        });
        if (e) return e;
    }
    if (options_.test_delay_ms > 0 && p.open) { // crash tests: a kill now lands while the batch is half written
        if (auto e = p.open->flush()) return e;
        std::this_thread::sleep_for(std::chrono::milliseconds(options_.test_delay_ms));
    }
    return {};
}

SinkError FilesSink::finish_range(const ss_batch &batch, const ss_offset_range &range) {
    Partition &p = partition(batch, range);
    if (p.failure) return p.failure;
    if (options_.roll.rolling() && drops(p, range)) return {};
    // Never back: in receiver mode a reassigned partition's records may come again in a later
    // range (skipped above), which must not move what the sink has done back.
    p.batch_until = std::max({p.batch_until, p.committed_until, range.until});
    if (!p.open) {
        p.next_start = std::max(p.next_start.value_or(range.until), p.batch_until);
        return {};
    }
    // Written out (an abort cuts it back), and sealed here, on the reader threads, when the
    // file ends with this batch.
    if (auto e = p.open->flush()) return e;
    if (!p.open->due(options_.roll, PartitionFile::Clock::now())) return {};
    if (auto e = seal_open(p)) return e;
    p.next_start = p.batch_until;
    return {};
}

// The partitions whose files this commit publishes or whose progress it checks: those of the
// batch, and those with an open file that is due (rollInterval) or whose partition the batch
// no longer names (group mode: revoked). batch == nullptr: the end of the job, every open file.
std::vector<FilesSink::Partition *> FilesSink::acting_partitions(const ss_batch *batch) {
    const auto now = PartitionFile::Clock::now();
    std::vector<Partition *> acting;
    for (auto &[key, ptr] : partitions_) {
        Partition &p = *ptr;
        if (!batch && p.batch >= 0) restore(p); // a batch that never committed
        const bool in_batch = batch && p.batch == batch->id;
        const bool revoked = batch && options_.group && !range_of(*batch, p.topic, p.partition);
        const bool roll = p.open && !p.open->empty() && (!batch || revoked || p.open->due(options_.roll, now));
        if (!in_batch) {
            if (!roll) continue;
            // Rolls now with what committed batches put in it.
            p.batch = batch ? batch->id : 0;
            p.carried = p.open.get();
            p.batch_next_start = p.next_start;
            p.batch_until = -1;
        }
        if (roll) {
            p.failure = seal_open(p); // reported by the caller
            if (!p.failure) p.next_start = p.batch_until >= 0 ? p.batch_until : p.committed_until;
        }
        acting.push_back(&p);
    }
    return acting;
}

// Group mode: the partitions' progress must still be what this instance last read or wrote
// (else another instance went on with them, and this one's files are stale).
SinkError FilesSink::check_progress(const std::vector<Partition *> &acting, const ss_batch *batch) {
    SinkError error;
    for (Partition *p : acting) {
        const auto at = progress_.read(p->topic, p->partition);
        if (!at) continue;
        std::optional<int64_t> expected = p->progress;
        if (!expected && !p->sealed.empty()) expected = p->sealed.front()->start();
        if (!expected && p->open) expected = p->open->start();
        if (const ss_offset_range *r = batch ? range_of(*batch, p->topic, p->partition) : nullptr; !expected && r)
            expected = r->from;
        if (!expected || *at == *expected) continue;
        p->stale = true;
        error = {SS_ERR_REBALANCED, "files sink: another instance committed " + p->topic + "+" +
                                        std::to_string(p->partition) + " up to offset " + std::to_string(*at) +
                                        (batch ? " since batch " + std::to_string(batch->id) + " was planned" : "") +
                                        " (this instance had it at " + std::to_string(*expected) +
                                        "); nothing of the batch is written"};
    }
    return error;
}

SinkError FilesSink::publish(const std::vector<Partition *> &acting, std::vector<bool> &rolled) {
    const bool end_in_name = options_.roll.rolling() && !options_.format.json; // raw: recover needs the end
    bool renamed = false;
    for (size_t i = 0; i < acting.size(); ++i) {
        Partition &p = *acting[i];
        for (auto &file : p.sealed) {
            const auto last = end_in_name ? std::optional<int64_t>(file->last_offset()) : std::nullopt;
            if (auto e = file->publish(options_.dir / file_name(p.topic, p.partition, file->start(), last, extension())))
                return e;
            renamed = rolled[i] = true;
        }
        p.sealed.clear();
    }
    return renamed ? fsync_directory(options_.dir) : SinkError{};
}

// The durable progress of each partition: where its open file starts, else where its last
// committed range ends. Group mode writes every change (the compare-and-set reads it); with
// rolling alone only a roll or a new file's start needs it (recover reads the files too).
SinkError FilesSink::write_progress(const std::vector<Partition *> &acting, const std::vector<bool> &rolled) {
    if (!options_.group && !options_.roll.rolling()) return {};
    bool wrote = false;
    for (size_t i = 0; i < acting.size(); ++i) {
        Partition &p = *acting[i];
        const int64_t target = p.open ? p.open->start() : (p.batch_until >= 0 ? p.batch_until : p.committed_until);
        if (target < 0 || p.progress == target) continue;
        if (!options_.group && !rolled[i] && !p.open) continue;
        if (auto e = progress_.write(p.topic, p.partition, target)) return e;
        p.progress = target;
        wrote = true;
    }
    return wrote ? progress_.sync() : SinkError{};
}

SinkError FilesSink::commit_partitions(const ss_batch *batch) {
    std::lock_guard lock(mutex_);
    const std::vector<Partition *> acting = acting_partitions(batch);
    for (Partition *p : acting)
        if (p->failure) return p->failure;
    PartitionProgress::Locks locks;
    if (options_.group) {
        std::vector<std::pair<std::string, int32_t>> names;
        for (Partition *p : acting) names.emplace_back(p->topic, p->partition);
        if (auto e = progress_.lock(names, locks)) return e;
        if (auto e = check_progress(acting, batch)) return e;
    }
    std::vector<bool> rolled(acting.size(), false);
    if (auto e = publish(acting, rolled)) return e;
    if (options_.test_roll_pause_ms > 0 && std::find(rolled.begin(), rolled.end(), true) != rolled.end()) {
        std::fprintf(stderr, "test hook: files sink rolled files of batch %lld, pausing %d ms before its commit returns\n",
                     static_cast<long long>(batch ? batch->id : -1), options_.test_roll_pause_ms);
        std::fflush(stderr);
        std::this_thread::sleep_for(std::chrono::milliseconds(options_.test_roll_pause_ms));
    }
    if (auto e = write_progress(acting, rolled)) return e;
    for (Partition *p : acting) {
        if (p->batch_until >= 0) p->committed_until = p->batch_until;
        if (p->open) p->open->mark_committed();
        p->batch = -1;
        p->carried = nullptr;
    }
    return {};
}

SinkError FilesSink::commit(const ss_batch &batch) { return commit_partitions(&batch); }

// Back to what committed batches left: the file open when the batch began is cut back, the
// files the batch began are removed. A stale partition (another instance's now) loses all.
void FilesSink::restore(Partition &p) {
    std::unique_ptr<PartitionFile> kept;
    auto take = [&](std::unique_ptr<PartitionFile> &file) {
        if (!file) return;
        if (file.get() == p.carried && !p.stale)
            kept = std::move(file);
        else
            file->discard();
        file.reset();
    };
    for (auto &file : p.sealed) take(file);
    p.sealed.clear();
    take(p.open);
    if (kept)
        if (auto e = kept->roll_back()) {
            p.failure = e;
            kept->discard();
            kept.reset();
        }
    p.open = std::move(kept);
    p.next_start = p.batch_next_start;
    p.batch = -1;
    p.carried = nullptr;
    p.batch_until = -1;
}

void FilesSink::abort(const ss_batch &batch) {
    std::lock_guard lock(mutex_);
    for (auto it = partitions_.begin(); it != partitions_.end();) {
        Partition &p = *it->second;
        if (p.batch == batch.id || p.stale) restore(p);
        if (p.stale) {
            it = partitions_.erase(it); // recover reads the directory again
            continue;
        }
        ++it;
    }
}

SinkError FilesSink::recover(ss_topic_partition *positions, size_t count, size_t stride) {
    if (count == 0) return {};
    std::lock_guard lock(mutex_);
    const bool rolling = options_.roll.rolling();
    const auto newest = rolling || options_.format.json ? newest_files(options_.dir, extension())
                                                        : std::map<PartitionKey, fs::path>{};
    for (size_t i = 0; i < count; ++i) {
        ss_topic_partition &tp = *ss_at(ss_topic_partition, positions, stride, i);
        const Key key{tp.topic ? tp.topic : "", tp.partition};
        auto &slot = partitions_[key];
        if (slot && slot->stale) slot.reset();
        // Still holding the partition's files (receiver mode reassigns partitions it keeps):
        // continue after what its committed batches wrote.
        if (rolling && slot && slot->committed_until >= 0) {
            slot->awaiting_recover = false;
            tp.offset = slot->committed_until;
            continue;
        }
        if (!slot) slot = make_partition(key.first, key.second);
        Partition &p = *slot;
        p.awaiting_recover = false;
        p.progress = progress_.read(key.first, key.second);
        if (!rolling) {
            if (p.progress) { // group mode's commits
                tp.offset = *p.progress;
                continue;
            }
            // Forward only: a crash between the rename and the checkpoint left files ahead.
            if (const auto end = directory_end(key, newest, std::nullopt); end && *end > tp.offset) tp.offset = *end;
            continue;
        }
        // Rolling: the files win, behind the checkpoint or ahead of it. A crash between a
        // rename and the progress write left the progress behind the files: mend it first,
        // so that the group's compare-and-set compares with the truth.
        const auto end = directory_end(key, newest, p.progress);
        if (end && end != p.progress) {
            PartitionProgress::Locks locks;
            if (options_.group)
                if (auto e = progress_.lock({{key.first, key.second}}, locks)) return e;
            if (auto e = progress_.write(key.first, key.second, *end)) return e;
            if (auto e = progress_.sync()) return e;
            p.progress = end;
        }
        if (end) tp.offset = *end;
        if (tp.offset >= 0) p.next_start = tp.offset;
    }
    return {};
}

} // namespace streamsubmit::sinks
