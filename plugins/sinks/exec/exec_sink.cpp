#include "exec_sink.h"

#include "shell_command.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <thread>
#include <unistd.h>

namespace streamsubmit::sinks {
namespace {

constexpr size_t kFlushBytes = size_t{1} << 20; // one write() per MiB of output

std::string range_json(const ss_offset_range &r) {
    std::string out = "{\"topic\":";
    append_json_string(out, r.topic);
    out += ",\"partition\":" + std::to_string(r.partition) + ",\"fromOffset\":" + std::to_string(r.from) +
           ",\"untilOffset\":" + std::to_string(r.until) + "}";
    return out;
}

// Every range of the batch, empty ones included, as the JSON report prints them.
std::string batch_ranges_json(const ss_batch &batch) {
    std::string out = "[";
    for (size_t i = 0; i < batch.range_count; ++i) {
        if (i > 0) out += ",";
        out += range_json(*ss_batch_range_at(&batch, i));
    }
    return out + "]";
}

} // namespace

struct ExecSink::RangeBuffer {
    int fd = -1;
    std::string pending;   // formatted records not yet written to fd
    DecodedFields decoded; // the record being formatted (stream.value.format other than bytes)
    bool holds_records = false; // false while every record so far was rejected (stage decode)
    ~RangeBuffer() {
        if (fd >= 0) ::close(fd);
    }
};

ExecSink::ExecSink(ExecSinkOptions options) : options_(std::move(options)) {}

ExecSink::~ExecSink() = default;

ExecSink::RangeBuffer *ExecSink::buffer(const ss_batch &batch, const ss_offset_range &range, bool create,
                                        SinkError &error) {
    const size_t index = range_index(batch, range);
    if (index >= batch.range_count) {
        error = {SS_ERR_INTERNAL, "exec sink: the range is not one of the batch's"};
        return nullptr;
    }
    std::lock_guard lock(mutex_);
    auto &buffers = batches_[batch.id];
    if (buffers.size() < batch.range_count) buffers.resize(batch.range_count);
    auto &slot = buffers[index];
    if (slot || !create) return slot.get();
    auto made = std::make_unique<RangeBuffer>();
    std::string path = options_.temp_dir + "/streamsubmit-exec-XXXXXX";
    made->fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (made->fd < 0) {
        error = {SS_ERR_INTERNAL, "exec sink: cannot create a temporary file in " + options_.temp_dir + ": " +
                                      std::strerror(errno) + " (set TMPDIR to a writable directory)"};
        return nullptr;
    }
    ::unlink(path.c_str()); // only the descriptor keeps it: nothing is left behind by a crash
    made->pending.reserve(kFlushBytes + (size_t{64} << 10));
    slot = std::move(made);
    return slot.get();
}

SinkError ExecSink::process(const ss_batch &batch, const ss_offset_range &range, const ss_record *records,
                            size_t count, size_t stride) {
    SinkError error;
    RangeBuffer *b = buffer(batch, range, true, error);
    if (!b) return error;
    for (size_t i = 0; i < count; ++i) {
        if (auto e = options_.format.append(b->pending, batch, *ss_const_at(ss_record, records, stride, i), b->decoded))
            return e;
        b->holds_records |= !b->decoded.rejected;
        if (b->pending.size() >= kFlushBytes) {
            if (auto e = write_all(b->fd, b->pending, "exec", "its temporary file in " + options_.temp_dir)) return e;
            b->pending.clear();
        }
    }
    return {};
}

SinkError ExecSink::finish_range(const ss_batch &batch, const ss_offset_range &range) {
    SinkError error;
    RangeBuffer *b = buffer(batch, range, false, error);
    if (!b || !b->holds_records) return error; // no record (or only rejected ones): nothing to run
    if (auto e = write_all(b->fd, b->pending, "exec", "its temporary file in " + options_.temp_dir)) return e;
    b->pending.clear();
    if (!options_.per_partition) return {};
    const std::vector<std::pair<std::string, std::string>> environment = {
        {"STREAMSUBMIT_BATCH_ID", std::to_string(batch.id)},
        {"STREAMSUBMIT_RANGES", "[" + range_json(range) + "]"},
        {"STREAMSUBMIT_TOPIC", range.topic},
        {"STREAMSUBMIT_PARTITION", std::to_string(range.partition)},
    };
    return run(environment, {b->fd},
               "batch " + std::to_string(batch.id) + " " + range.topic + "-" + std::to_string(range.partition));
}

SinkError ExecSink::commit(const ss_batch &batch) {
    BatchBuffers buffers = take(batch.id);
    if (options_.per_partition) return {}; // every range's run already succeeded in finish_range
    std::vector<int> inputs;
    for (const auto &b : buffers)
        if (b && b->holds_records) inputs.push_back(b->fd);
    if (inputs.empty()) return {}; // a batch without records runs nothing
    const std::vector<std::pair<std::string, std::string>> environment = {
        {"STREAMSUBMIT_BATCH_ID", std::to_string(batch.id)},
        {"STREAMSUBMIT_RANGES", batch_ranges_json(batch)},
    };
    return run(environment, inputs, "batch " + std::to_string(batch.id));
}

void ExecSink::abort(const ss_batch &batch) { take(batch.id); }

ExecSink::BatchBuffers ExecSink::take(int64_t batch_id) {
    std::lock_guard lock(mutex_);
    const auto it = batches_.find(batch_id);
    if (it == batches_.end()) return {};
    BatchBuffers buffers = std::move(it->second);
    batches_.erase(it);
    return buffers;
}

SinkError ExecSink::run(const std::vector<std::pair<std::string, std::string>> &environment,
                        const std::vector<int> &inputs, const std::string &what) {
    auto backoff = std::chrono::milliseconds(500);
    const int attempts = options_.retries + 1;
    for (int attempt = 1;; ++attempt) {
        const CommandOutcome outcome = run_shell_command(options_.command, environment, inputs);
        if (outcome.succeeded()) return {};
        const std::string failure = "exec sink: sink.exec.command " + outcome.describe() + " for " + what;
        if (attempt >= attempts)
            return {SS_ERR_INTERNAL, failure + " (attempt " + std::to_string(attempt) + " of " +
                                         std::to_string(attempts) + ", sink.exec.retries=" +
                                         std::to_string(options_.retries) + ")"};
        warn(failure + "; retrying in " + std::to_string(backoff.count()) + " ms (attempt " +
             std::to_string(attempt) + " of " + std::to_string(attempts) + ")");
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(10000));
    }
}

void ExecSink::warn(const std::string &message) const {
    options_.log(SS_LOG_WARN, message);
}

} // namespace streamsubmit::sinks
