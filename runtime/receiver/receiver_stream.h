// Receiver mode: one consumer per job, one member of kafka.group.id, whose partitions the
// receiver threads read in parallel (`topic:threads` as in createStream: a topic's partitions
// are spread over its threads; ReceiverGroup). The receivers cut records into blocks every
// stream.blockInterval; the blocks received
// during one batch interval form a batch, reported like a direct-mode batch with one
// range per partition, [first received offset, last received offset + 1).
//
// Without the write-ahead log, offsets are committed after the batch holding them was
// output (at-least-once: a crash re-reads the unfinished batch from Kafka). With it
// (stream.receiver.writeAheadLog.enable, needs --checkpoint), each block is appended to
// DIR/wal and fsynced before its offsets are committed; after a crash the batches still
// in the log are replayed first, with their original boundaries, then receiving resumes
// from the committed offsets.
#pragma once

#include "common/error.h"
#include "runtime/plugin/application.h"
#include "runtime/batch/batch_report.h"
#include "runtime/batch/batch_runner.h"
#include "runtime/receiver/block.h"
#include "runtime/core/diagnostics.h"
#include "runtime/backpressure/rate_controller.h"
#include "runtime/plugin/source.h"
#include "runtime/core/stop_signal.h"
#include "runtime/core/test_hooks.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace streamsubmit::runtime {

struct ReceiverTopic {
    std::string topic;
    int threads = 1; // receiver threads for this topic, all reading the job's one consumer
};

struct ReceiverStreamOptions {
    std::string group;
    std::vector<ReceiverTopic> topics;
    std::chrono::milliseconds batch_interval{2000};
    std::chrono::milliseconds block_interval{200};
    bool write_ahead_log = false;
    std::optional<std::filesystem::path> checkpoint_dir;
    int keep_batches = 10;
    int64_t max_rate = 0;                        // records/s per receiver thread, 0 = unlimited
    BackpressureSettings backpressure;           // its rate is split evenly across the receiver threads
    int64_t max_buffered_bytes = int64_t{256} << 20; // 0 = unlimited
    bool until_latest = false;
    bool from_earliest = false; // kafka.auto.offset.reset: where a group without commits starts
    int64_t max_batches = 0;
    std::chrono::milliseconds request_timeout{10'000};
    std::chrono::milliseconds missing_topic_timeout{60'000}; // a deleted topic, as in direct mode
    bool fail_on_data_loss = true;
    // --until latest: an assigned partition that delivered nothing for this long counts as
    // being at its end. Only where its start could not be looked up (assigned_starts.h) or a
    // connector without streams reads it: a start at the end ends the partition at once.
    std::chrono::milliseconds idle_end{3000};
    // Pauses for crash tests (a build with STREAMSUBMIT_TEST_HOOKS only).
    TestHooks test_hooks;
    // Told how every batch ended (the metrics endpoint); not owned, may be null.
    BatchObserver *observer = nullptr;
    // Receives every record of every batch, after the write-ahead log has it; not owned, may be null.
    Application *application = nullptr;
    // stream.errors.deadletterqueue.topic: where rejected records go; not owned, may be null.
    DeadLetterQueue *dead_letters = nullptr;
};

// The Source of the job's one consumer (kJobConsumer), of the control connection
// (kControlConnection) that checks the topics and takes --until latest's end offsets, or, with
// a connector without streams (ABI 2.0), of receiver thread `index` (0, 1, ...), each its own
// member of the group.
inline constexpr int kControlConnection = -1;
inline constexpr int kJobConsumer = -2;
using SourceFactory = std::function<Result<std::unique_ptr<Source>>(int index)>;
using ReceiverOutput = BatchOutput;

class ReceiverStream {
public:
    ReceiverStream(ReceiverStreamOptions options, SourceFactory sources, ReceiverOutput output,
                   Diagnostics diagnostics, StopSignal &stop);

    // Runs until --until latest is reached, --max-batches are done, a stop request (the
    // batch in flight is output first), or an error.
    Status run();
    // Stops the receivers: they commit what the last batch output (without the log) and
    // close their consumers. The host bounds this by stream.stopTimeout.
    ~ReceiverStream();

private:
    struct State;
    std::unique_ptr<State> s_;
};

// "receiver group=G topics=a,b": what a checkpoint and its write-ahead log belong to.
std::string receiver_subscription_id(const ReceiverStreamOptions &options);

// Records/s each of `receivers` threads may take: the stream-wide backpressure rate split
// evenly (at least 1), capped by stream.receiver.maxRate; 0 = unlimited. Exposed for tests.
int64_t per_receiver_rate(std::optional<double> stream_rate, int receivers, int64_t max_rate);

// One range per partition with records, sorted; exposed for tests.
BatchReport receiver_report(int64_t id, int64_t time_ms, const std::vector<Block> &blocks);

} // namespace streamsubmit::runtime
