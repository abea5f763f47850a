#include "runtime/receiver/receiver_stream.h"

#include "common/guarded.h"

#include "runtime/batch/batch_application.h"
#include "runtime/progress/checkpoint.h"
#include "runtime/core/start_query.h"
#include "runtime/core/wall_clock.h"
#include "runtime/receiver/heap_policy.h"
#include "runtime/receiver/receiver.h"
#include "runtime/receiver/receiver_group.h"
#include "runtime/receiver/receiver_hub.h"
#include "runtime/progress/receiver_progress.h"
#include "runtime/receiver/write_ahead_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <thread>

namespace streamsubmit::runtime {
namespace {

using Clock = std::chrono::steady_clock;

// How often the receivers are woken again while they stop (a lost wake costs one period).
constexpr std::chrono::milliseconds kRewakeWhileStopping(5);

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Where each record of the batch is: its block and its index there.
struct RecordRef {
    const Block *block;
    size_t index;
};

// The batch's records by range (the index into `ranges`), each range in offset order: one
// pass over the records, a partition looked up once per block.
std::vector<std::vector<RecordRef>> records_by_range(const std::vector<OffsetRange> &ranges,
                                                     const std::vector<Block> &blocks) {
    std::map<TopicPartition, size_t> range_of;
    for (size_t i = 0; i < ranges.size(); ++i) range_of.emplace(ranges[i].tp, i);
    std::vector<std::vector<RecordRef>> out(ranges.size());
    std::vector<size_t> slot_range;
    for (const auto &block : blocks) {
        slot_range.clear();
        for (const auto &p : block.partitions()) {
            const auto it = range_of.find(p.tp);
            slot_range.push_back(it == range_of.end() ? SIZE_MAX : it->second);
            if (it != range_of.end()) out[it->second].reserve(out[it->second].size() + static_cast<size_t>(p.records));
        }
        for (size_t i = 0; i < block.size(); ++i)
            if (const size_t r = slot_range[block.partition_index(i)]; r != SIZE_MAX) out[r].push_back({&block, i});
    }
    for (auto &refs : out) { // blocks of one partition from two receivers (a rebalance) may interleave
        auto offset = [](const RecordRef &x) { return x.block->record(x.index).offset; };
        if (!std::is_sorted(refs.begin(), refs.end(), [&](const auto &a, const auto &b) { return offset(a) < offset(b); }))
            std::stable_sort(refs.begin(), refs.end(), [&](const auto &a, const auto &b) { return offset(a) < offset(b); });
    }
    return out;
}

// The C view of a record of a block; headers are decoded into `headers` (appended), and
// `ss_record::headers` is left for the caller to point there once the buffer stops growing.
ss_record to_c(const RecordView &r, std::vector<ss_header> &headers) {
    size_t header_count = 0;
    if (!r.headers.empty()) {
        header_count = header_encoding::count(r.headers);
        const size_t at = headers.size();
        headers.resize(at + header_count);
        header_encoding::decode(r.headers, headers.data() + at);
    }
    ss_record c{};
    c.struct_size = sizeof(ss_record);
    c.topic = r.tp->topic.c_str();
    c.partition = r.tp->partition;
    c.offset = r.offset;
    c.timestamp_ms = r.timestamp_ms;
    c.timestamp_type = r.timestamp_type;
    c.key = r.key ? r.key->data() : nullptr;
    c.key_len = r.key ? r.key->size() : 0;
    c.value = r.value ? r.value->data() : nullptr;
    c.value_len = r.value ? r.value->size() : 0;
    c.header_count = header_count;
    c.header_stride = sizeof(ss_header);
    return c;
}

// Hands a batch's records to the application, range by range, on the driver thread; the
// records point into the blocks (no copy), their headers into one buffer reused per chunk.
Status process_blocks(Application &app, const ApplicationBatch &batch, const std::vector<OffsetRange> &ranges,
                      const std::vector<Block> &blocks) {
    constexpr size_t kChunk = 4096;
    std::vector<ss_record> chunk;
    std::vector<ss_header> headers;
    chunk.reserve(kChunk);
    const auto by_range = records_by_range(ranges, blocks);
    for (size_t i = 0; i < ranges.size(); ++i) {
        const auto &records = by_range[i];
        for (size_t at = 0; at < records.size(); at += kChunk) {
            chunk.clear();
            headers.clear();
            for (size_t k = at; k < std::min(records.size(), at + kChunk); ++k)
                chunk.push_back(to_c(records[k].block->record(records[k].index), headers));
            size_t next_header = 0;
            for (auto &r : chunk) {
                if (r.header_count) r.headers = headers.data() + next_header;
                next_header += r.header_count;
            }
            if (auto st = app.process(batch, i, chunk.data(), chunk.size()); !st) return st;
        }
        if (auto st = app.finish_range(batch, i); !st) return st;
    }
    return ok_status();
}

// A receiver-mode batch's records: the blocks received since the last batch was cut.
class ReceivedBlocks final : public BatchInput {
public:
    ReceivedBlocks(std::vector<RangeReport> ranges, const std::vector<Block> &blocks, Application *application,
                   double receive_ms)
        : ranges_(std::move(ranges)), blocks_(blocks), application_(application), receive_ms_(receive_ms) {}

    // The application gets the batch's records, already in the write-ahead log with one (blocks
    // are logged before they reach a batch), on the driver thread.
    Result<Read> read(const ApplicationBatch *batch) override {
        Read out{std::move(ranges_), receive_ms_, 0.0};
        if (!batch) return out;
        std::vector<OffsetRange> ranges;
        for (const auto &r : out.ranges) ranges.push_back(r.range);
        const auto start = Clock::now();
        if (auto st = process_blocks(*application_, *batch, ranges, blocks_); !st) return st.error();
        out.process_ms = ms_since(start);
        return out;
    }

private:
    std::vector<RangeReport> ranges_;
    const std::vector<Block> &blocks_;
    Application *application_;
    double receive_ms_;
};

} // namespace

std::string receiver_subscription_id(const ReceiverStreamOptions &options) {
    std::vector<std::string> topics;
    for (const auto &t : options.topics) topics.push_back(t.topic);
    std::sort(topics.begin(), topics.end());
    std::string joined;
    for (const auto &t : topics) joined += (joined.empty() ? "" : ",") + t;
    return fmt::format("receiver group={} topics={}", options.group, joined);
}

int64_t per_receiver_rate(std::optional<double> stream_rate, int receivers, int64_t max_rate) {
    if (!stream_rate) return max_rate;
    const auto share = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(*stream_rate / std::max(1, receivers))));
    return max_rate > 0 ? std::min(share, max_rate) : share;
}

BatchReport receiver_report(int64_t id, int64_t time_ms, const std::vector<Block> &blocks) {
    std::map<TopicPartition, RangeReport> by_tp;
    for (const auto &block : blocks)
        for (const auto &p : block.partitions()) {
            auto [it, fresh] = by_tp.try_emplace(p.tp);
            RangeReport &range = it->second;
            if (fresh) range.range = {p.tp, p.first, p.next};
            range.range.from = std::min(range.range.from, p.first);
            if (p.next >= range.range.until) range.last_timestamp_ms = p.last_timestamp_ms; // lag seconds
            range.range.until = std::max(range.range.until, p.next);
            range.records += p.records;
            range.bytes += p.bytes;
        }
    BatchReport report;
    report.id = id;
    report.time_ms = time_ms;
    report.mode = "receiver";
    for (auto &[tp, range] : by_tp) {
        range.log_end_offset = range.range.until; // receivers do not ask for the log end
        report.ranges.push_back(std::move(range));
    }
    return report;
}

struct ReceiverStream::State {
    State(ReceiverStreamOptions o, SourceFactory f, BatchOutput out, Diagnostics d, StopSignal &st)
        : options(std::move(o)), sources(std::move(f)), diagnostics(std::move(d)), stop(st),
          progress({options.checkpoint_dir, receiver_subscription_id(options), options.keep_batches}),
          application(options.application ? std::optional<HostedApplication>(*options.application) : std::nullopt),
          runner({"receiver", options.backpressure, options.batch_interval, options.test_hooks, options.observer,
                  options.dead_letters},
                 progress,
                 application ? &*application : nullptr, std::move(out), diagnostics) {}

    ReceiverStreamOptions options;
    SourceFactory sources;
    Diagnostics diagnostics;
    StopSignal &stop;
    ReceiverProgress progress;
    std::optional<HostedApplication> application;
    BatchRunner runner;

    std::optional<WriteAheadLog> wal;
    int64_t next_id = 0;
    int64_t batches = 0;
    Clock::time_point last_cut = Clock::now();
    // Running: the receivers and their threads. They are stopped and their consumers closed
    // by teardown(), after run() returned its result, so that the host bounds closing by
    // stream.stopTimeout in receiver mode as in direct mode.
    std::unique_ptr<ReceiverHub> hub;
    std::unique_ptr<ReceiverGroup> group; // the job's consumer; null with a connector without streams
    std::vector<std::unique_ptr<Receiver>> receivers;
    std::vector<std::thread> running;

    // The receivers seal their last blocks and stop; a receiver waiting in a poll is woken, so
    // the final batch does not wait out its block interval.
    void begin_stop() {
        hub->begin_stop();
        wake_receivers();
    }
    void wake_receivers() {
        for (auto &r : receivers) r->wake();
    }

    void teardown() {
        if (!hub) return;
        hub->begin_stop();
        hub->finish();
        for (auto &r : receivers) r->wake(); // and the group thread's poll, on the job's consumer
        if (group && receivers.empty()) {
            // The job ended before its receivers started (a failed topic check): a revocation
            // the group thread serves meanwhile must not wait for them.
            group->receivers_gone();
            group->source().interrupt();
        }
        for (auto &t : running) t.join();
        running.clear();
        receivers.clear(); // closes each receiver's own consumer (a connector without streams)
        hub->drop_blocks(); // their kept records point into the job's consumer's buffers
        group.reset();      // closes the job's consumer: it leaves the group
        hub.reset();
    }

    void info(std::string_view m) const {
        if (diagnostics) diagnostics(LogLevel::Info, m);
    }
    void warn(std::string_view m) const {
        if (diagnostics) diagnostics(LogLevel::Warn, m);
    }

    // `due`: when the batch was due on the interval grid (for backpressure's scheduling delay).
    Status output_batch(int64_t id, int64_t time_ms, const std::vector<Block> &blocks, double receive_ms,
                        std::optional<Clock::time_point> due = std::nullopt, bool replayed = false) {
        const auto start = Clock::now();
        BatchReport cut = receiver_report(id, time_ms, blocks);
        BatchRecord batch{id, time_ms, false, {}};
        for (const auto &r : cut.ranges) batch.ranges.push_back(r.range);
        ReceivedBlocks input(std::move(cut.ranges), blocks, options.application, receive_ms);
        // The receivers' group never refuses a batch (ReceiverProgress abandons none): it completed.
        auto end = runner.run(batch, input, {due, start, runner.rate(), {}, replayed});
        if (!end) return end.error();
        ++batches;
        return ok_status();
    }

    // One consumer for the job (join_group), its partitions read by the receiver threads; a
    // connector without streams (ABI 2.0) gets one consumer per thread instead.
    std::vector<std::string> topic_of_receivers() const {
        std::vector<std::string> topic_of;
        for (const auto &t : options.topics)
            for (int i = 0; i < t.threads; ++i) topic_of.push_back(t.topic);
        return topic_of;
    }

    // The job's one consumer subscribes; librdkafka's threads join the group from here on,
    // while this thread goes on. A connector without streams: each receiver joins by itself.
    Status join_group() {
        auto job_consumer = sources(kJobConsumer);
        if (!job_consumer) return job_consumer.error();
        if (!(*job_consumer)->supports_streams()) return ok_status();
        const auto topic_of = topic_of_receivers();
        group = std::make_unique<ReceiverGroup>(std::move(*job_consumer), topic_of, *hub, options.application,
                                                options.request_timeout, options.block_interval, diagnostics,
                                                options.observer,
                                                StartLookup{options.until_latest, options.from_earliest});
        if (auto st = group->subscribe(); !st) return st;
        if (diagnostics)
            diagnostics(LogLevel::Debug, fmt::format("receiver mode: one consumer in group {}, {} receiver threads",
                                                     options.group, topic_of.size()));
        // Its thread serves the join at once (librdkafka's join steps wait for the consumer to
        // be polled); the partitions it is given wait in the mailboxes for the receivers.
        running.emplace_back([this] { group->run(); });
        return ok_status();
    }

    Status start_receivers(int threads, const ReceiverSettings &settings) {
        const auto topic_of = topic_of_receivers();
        for (int index = 0; index < threads; ++index) {
            ReceiverInput input;
            if (group) {
                input.shared = &group->source();
                input.mailbox = &group->mailbox(index);
            } else {
                auto own = sources(index);
                if (!own) return own.error();
                input.own = std::move(*own);
            }
            receivers.push_back(std::make_unique<Receiver>(index, topic_of[static_cast<size_t>(index)], std::move(input),
                                                           *hub, settings, diagnostics));
        }
        for (auto &r : receivers) running.emplace_back([&r] { r->run(); });
        return ok_status();
    }

    // Checkpoint and log: what belongs to which job, and the batches a crash left unfinished.
    Status open_storage() {
        if (!options.checkpoint_dir) return ok_status();
        auto resume = progress.resume();
        if (!resume) return resume.error();
        next_id = resume->next_id;
        const int64_t last_complete = next_id - 1;
        const auto wal_dir = *options.checkpoint_dir / "wal";
        if (!options.write_ahead_log) {
            std::error_code ec;
            if (std::filesystem::exists(wal_dir, ec)) {
                auto existing = WriteAheadLog::open(wal_dir);
                if (existing && !existing->segment_ids().empty() && existing->segment_ids().back() > last_complete)
                    return Error(ErrorKind::Usage,
                                 "the write-ahead log holds batches that were never completed, but "
                                 "stream.receiver.writeAheadLog.enable is false",
                                 wal_dir.string(),
                                 "run with --conf stream.receiver.writeAheadLog.enable=true to replay them first "
                                 "(their offsets are committed: Kafka will not deliver them again)");
            }
            return ok_status();
        }
        auto log = WriteAheadLog::open(wal_dir);
        if (!log) return log.error();
        wal.emplace(std::move(*log));
        auto recovered = wal->recover();
        if (!recovered) return recovered.error();
        for (const auto &note : recovered->notes) warn(note);
        int64_t replayed = 0;
        for (const auto &segment : recovered->segments) {
            next_id = std::max(next_id, segment.batch_id + 1);
            if (segment.batch_id <= last_complete) continue; // output before the crash; only its deletion was lost
            if (replayed++ == 0)
                info(fmt::format("write-ahead log {}: replaying the batches that did not complete", wal_dir.string()));
            const int64_t time_ms = segment.blocks.empty() ? epoch_ms_now() : segment.blocks.back().time_ms;
            if (auto st = output_batch(segment.batch_id, time_ms, segment.blocks, 0.0, std::nullopt, true); !st) return st;
            if (auto st = wal->remove_through(segment.batch_id); !st) return st;
        }
        return wal->remove_through(next_id - 1);
    }

    // Through a control connection that joins no group: every topic must exist at start, as in
    // direct mode (the connector's error, exit 4), since a receiver subscribed to a misspelled
    // topic would only wait stream.kafka.missingTopicTimeout for it. With --until latest, the
    // offsets that are latest now are where the job ends. A connector that cannot list partitions
    // (no direct table) leaves the check to the receivers' polls.
    Result<OffsetMap> check_topics_and_ends() {
        auto control = sources(kControlConnection);
        if (!control) return control.error();
        if (!(*control)->supports_direct() && !options.until_latest) return OffsetMap{};
        std::vector<std::string> topics;
        for (const auto &t : options.topics) topics.push_back(t.topic);
        const auto warn_retry = [this](std::string_view m) { warn(m); };
        auto partitions = ask_until_answered(
            [&] { return (*control)->list_partitions(topics, "", options.request_timeout); }, stop, warn_retry);
        if (!partitions) return partitions.error();
        if (!options.until_latest) return OffsetMap{};
        auto wm = ask_until_answered([&] { return (*control)->query_watermarks(*partitions, options.request_timeout); },
                                     stop, warn_retry);
        if (!wm) return wm.error();
        OffsetMap target;
        for (const auto &[tp, marks] : *wm) target[tp] = marks.latest;
        return target;
    }
};

ReceiverStream::ReceiverStream(ReceiverStreamOptions options, SourceFactory sources, ReceiverOutput output,
                               Diagnostics diagnostics, StopSignal &stop)
    : s_(std::make_unique<State>(std::move(options), std::move(sources), std::move(output), std::move(diagnostics), stop)) {}

ReceiverStream::~ReceiverStream() { s_->teardown(); }

Status ReceiverStream::run() {
    State &s = *s_;
    const auto &o = s.options;
    if (auto st = s.open_storage(); !st) return st; // local problems first, as in direct mode
    if (o.max_batches > 0 && s.batches >= o.max_batches) return ok_status();
    if (s.stop.requested()) return ok_status();

    int threads = 0;
    for (const auto &t : o.topics) threads += t.threads;
    const auto buffer_bytes = static_cast<size_t>(std::max<int64_t>(0, o.max_buffered_bytes));
    s.hub = std::make_unique<ReceiverHub>(threads, s.wal ? &*s.wal : nullptr, s.next_id, buffer_bytes);
    ReceiverHub &hub = *s.hub;
    hub.set_observer(o.observer);
    const std::string heap = keep_freed_heap(buffer_bytes);
    if (s.diagnostics) s.diagnostics(LogLevel::Debug, "receiver mode: " + heap);
    // The group joins while the control connection checks the topics: each took 15-30 ms on the
    // bench's broker, one after the other before. No receiver polls before the check passed; a
    // missing topic still ends the job here (exit 4).
    if (auto st = s.join_group(); !st) return st;
    auto ends = s.check_topics_and_ends();
    if (!ends) return ends.error();
    const OffsetMap target = std::move(*ends);
    if (o.until_latest) hub.watch_end(target, o.idle_end);
    auto limit_receivers = [&] {
        const int64_t per_receiver = per_receiver_rate(s.runner.rate(), threads, o.max_rate);
        hub.set_rate_limit(per_receiver);
        if (s.runner.rate()) hub.set_batch_budget(std::max<int64_t>(1, per_receiver * o.batch_interval.count() / 1000));
    };
    limit_receivers();
    ReceiverSettings settings{o.block_interval, o.missing_topic_timeout, o.fail_on_data_loss, o.request_timeout,
                              o.application, o.observer};
    if (auto st = s.start_receivers(threads, settings); !st) return st;
    if (s.wal)
        s.running.emplace_back([&hub] {
            if (auto st = run_guarded("write-ahead log writer", [&hub] { return hub.write_log(); }); !st)
                hub.receiver_failed(st.error());
        });

    const auto interval = std::max(o.batch_interval, std::chrono::milliseconds(1));
    auto next_tick = Clock::now() + interval;
    bool stopping = false;
    Status result = ok_status();
    s.last_cut = Clock::now();
    std::optional<Clock::time_point> due; // of the batch about to run; none for early (flush) batches
    auto run_batch = [&]() -> Status {
        const double receive_ms = ms_since(s.last_cut);
        s.last_cut = Clock::now();
        auto cut = hub.cut();
        if (auto st = s.output_batch(cut.id, epoch_ms_now(), cut.blocks, receive_ms, due); !st) return st;
        limit_receivers();
        return hub.output_done(std::move(cut), !o.write_ahead_log);
    };
    while (true) {
        hub.wait(stopping ? Clock::now() + kRewakeWhileStopping
                          : std::min(next_tick, Clock::now() + std::chrono::milliseconds(50)));
        if (auto failure = hub.failure()) {
            result = *failure;
            break;
        }
        const bool flush = hub.take_flush_request();
        due.reset();
        if (!stopping) {
            const bool tick = Clock::now() >= next_tick;
            // An early batch (full buffer, revocation) counts towards --max-batches too.
            const bool last = s.stop.requested() ||
                              ((tick || flush) && o.max_batches > 0 && s.batches + 1 >= o.max_batches) ||
                              (o.until_latest && hub.reached(target, o.idle_end)); // not only on a tick: end promptly
            if (last) { // the receivers finish their blocks first; then the final batch takes everything
                s.begin_stop();
                stopping = true;
            } else if (tick) {
                // A fixed grid, as Spark's batch times: after a batch that overran, the next
                // ones run at once, late by their scheduling delay, until the job caught up.
                due = next_tick;
                next_tick += interval;
            }
            if (last || (!flush && !tick)) continue;
        } else if (hub.all_stopped()) {
            result = run_batch();
            break;
        } else if (!flush) {
            // A connector may forget an interrupt that came just before a receiver's poll began
            // (plugin.h, poll_stream): that poll would wait out its timeout, a block interval.
            s.wake_receivers();
            continue;
        }
        if (result = run_batch(); !result) break;
    }
    s.begin_stop(); // the receivers stop and leave in teardown()
    if (result && hub.pauses() > 0)
        s.info(fmt::format("fetching paused {} times because the receive buffer was full "
                           "(stream.receiver.maxBufferedBytes); nothing was dropped",
                           hub.pauses()));
    return result;
}

} // namespace streamsubmit::runtime
