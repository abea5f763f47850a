// The files sink: a partition's records go to a file under `dir` named after where it starts
// (Kafka Connect's topic+partition+startOffset), written under a hidden temporary name, fsynced
// and renamed into place whole (then the directory is fsynced), so a reader of `dir` never sees
// a partial file or a record twice.
//
// Without sink.files.roll* every range of a batch is one file, renamed when the batch commits;
// a re-run batch rewrites the same names with the same records. With them (Kafka Connect's
// flush.size / rotate.interval.ms), a partition's file stays open across batches and rolls
// (fsync, rename, directory fsync) when a limit is reached, when its partition is revoked, and
// when the job ends (destroy). The directory is then the progress: a committed batch whose
// records sit in a file not yet rolled is not done for the sink; after a crash recover answers
// the offset after the last rolled file (behind the checkpoint), the temporary file is
// discarded, and the host reads those records again into a file of the same name.
#pragma once

#include "partition_file.h"
#include "partition_progress.h"
#include "sink_support.h"

#include <streamsubmit/plugin.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace streamsubmit::sinks {

struct FilesSinkOptions {
    std::filesystem::path dir;
    RecordFormat format;
    RollLimits roll;
    bool receiver_mode = false; // records may come from the write-ahead log before recover (see Partition)
    bool group = false;         // stream.kafka.coordination=group: the directory is shared
    HostLog log;
    int test_delay_ms = 0;      // STREAMSUBMIT_TEST_FILES_SINK_DELAY_MS: pause mid-write (crash tests only)
    int test_roll_pause_ms = 0; // STREAMSUBMIT_TEST_FILES_SINK_PAUSE_AFTER_ROLL_MS: after a roll, before the commit returns
};

class FilesSink {
public:
    static std::unique_ptr<FilesSink> create(FilesSinkOptions options, SinkError &error);
    ~FilesSink(); // rolls what committed batches left in open files (a clean stop, the end of a bounded run)

    SinkError process(const ss_batch &batch, const ss_offset_range &range, const ss_record *records, size_t count,
                      size_t stride);
    SinkError finish_range(const ss_batch &batch, const ss_offset_range &range);
    SinkError commit(const ss_batch &batch);
    void abort(const ss_batch &batch);
    // Where each partition continues. Without rolling: forward to the end of what the directory
    // already holds (JSON Lines only), never back. With rolling: the offset after the last
    // rolled file (back or forward), unless this instance still holds the partition's open file.
    // Group mode: a partition with progress in the directory continues there.
    SinkError recover(ss_topic_partition *positions, size_t count, size_t stride);

private:
    // One partition's files across batches. A reader thread owns it while it processes the
    // partition's range; the driver thread at commit, abort and recover.
    struct Partition {
        std::string topic;
        int32_t partition = 0;
        std::string json_prefix; // {"topic":..,"partition":..,"offset":
        DecodedFields decoded;   // the record being written, decoded (stream.value.format other than bytes)
        std::unique_ptr<PartitionFile> open;                // records go here
        std::vector<std::unique_ptr<PartitionFile>> sealed; // full and fsynced: renamed at commit, oldest first
        std::optional<int64_t> next_start;                  // rolling: where the next file starts
        std::optional<int64_t> progress;                    // the directory's progress as last read or written here
        int64_t committed_until = -1;                       // the end of the last committed range
        // The batch in flight and what its abort restores.
        int64_t batch = -1;
        PartitionFile *carried = nullptr; // open when the batch began: its committed part survives an abort
        std::optional<int64_t> batch_next_start;
        int64_t batch_until = -1;
        bool stale = false; // another instance wrote the partition's progress: drop everything
        // Receiver mode, rolling: created from the directory before recover (a write-ahead log
        // replay); ranges that do not continue the files are dropped, since recover will have
        // the receivers read them again from where the files end.
        std::atomic<bool> awaiting_recover = false;
        SinkError failure; // an abort could not cut a file back: the partition's records must be read again
    };
    using Key = std::pair<std::string, int32_t>;

    FilesSink(FilesSinkOptions options, std::string writer_tag)
        : options_(std::move(options)), writer_tag_(std::move(writer_tag)), progress_(options_.dir) {}
    Partition &partition(const ss_batch &batch, const ss_offset_range &range);
    std::unique_ptr<Partition> make_partition(const std::string &topic, int32_t partition) const;
    // Where the directory says the partition continues: its progress or the end of its newest file.
    std::optional<int64_t> directory_end(const Key &key, const std::map<Key, std::filesystem::path> &newest,
                                         const std::optional<int64_t> &progress) const;
    bool drops(const Partition &p, const ss_offset_range &range) const;
    SinkError open_file(Partition &p, int64_t start);
    SinkError seal_open(Partition &p);
    std::string extension() const { return options_.format.json ? ".jsonl" : ".raw"; }
    // Commit, in steps: the partitions to act on (rolling what is due), the group's
    // compare-and-set, the renames, the progress.
    std::vector<Partition *> acting_partitions(const ss_batch *batch);
    SinkError check_progress(const std::vector<Partition *> &acting, const ss_batch *batch);
    SinkError publish(const std::vector<Partition *> &acting, std::vector<bool> &rolled);
    SinkError write_progress(const std::vector<Partition *> &acting, const std::vector<bool> &rolled);
    SinkError commit_partitions(const ss_batch *batch);
    void restore(Partition &p);

    FilesSinkOptions options_;
    std::string writer_tag_; // in this process's temporary file names
    PartitionProgress progress_;
    std::mutex mutex_; // guards partitions_ (the map, not a partition's files)
    std::map<Key, std::unique_ptr<Partition>> partitions_;
};

} // namespace streamsubmit::sinks
