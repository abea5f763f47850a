// Group mode: instances on several hosts share one sink.files.dir. Each partition's durable
// progress (the offset after its last committed range) lives in the directory, in
// .streamsubmit-progress/TOPIC+PARTITION, so that a batch commits its ranges only if every
// partition's progress is still where the batch starts (compare-and-set under an flock of the
// partition's lock file): a zombie or a batch that lost a race to another instance commits
// nothing. The new owner of a partition asks recover() where it continues.
#pragma once

#include "sink_support.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace streamsubmit::sinks {

// fsyncs a directory, so that the renames into it are durable.
SinkError fsync_directory(const std::filesystem::path &dir);

class PartitionProgress {
public:
    explicit PartitionProgress(std::filesystem::path dir) : dir_(std::move(dir) / ".streamsubmit-progress") {}

    // The partition's committed progress; nullopt when no range was ever committed.
    std::optional<int64_t> read(const std::string &topic, int32_t partition) const;

    // Holds the lock files of a set of partitions (taken in sorted order, released on destruction).
    class Locks {
    public:
        Locks() = default;
        Locks(Locks &&other) noexcept : fds_(std::move(other.fds_)) { other.fds_.clear(); }
        Locks &operator=(Locks &&) = delete;
        ~Locks();

    private:
        friend class PartitionProgress;
        std::vector<int> fds_;
    };
    // Blocks until every partition's lock is this process's.
    SinkError lock(std::vector<std::pair<std::string, int32_t>> partitions, Locks &locks) const;
    // Under the partition's lock: makes `until` its progress (durable after sync()).
    SinkError write(const std::string &topic, int32_t partition, int64_t until) const;
    SinkError sync() const { return fsync_directory(dir_); }

private:
    std::filesystem::path file(const std::string &topic, int32_t partition, const char *suffix = "") const;
    std::filesystem::path dir_;
};

} // namespace streamsubmit::sinks
