#include "runtime/receiver/receiver.h"

#include "common/guarded.h"

#include "runtime/core/wall_clock.h"
#include "runtime/core/missing_topic.h"
#include "runtime/receiver/recover_positions.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <thread>

namespace streamsubmit::runtime {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kMaxPollRecords = 4096;
// A full buffer first just stops taking records: librdkafka stops fetching by itself once
// its queue is full (queued.max.messages.kbytes), and nothing is fetched twice. Only if
// it stays full this long are the partitions paused, because pausing drops librdkafka's
// prefetched records (they are fetched again on resume) but keeps rebalances served.
constexpr milliseconds kPauseAfter(1000);
constexpr milliseconds kFullWait(20);
constexpr std::chrono::seconds kIdleProbe(5);

int64_t as_ms(Clock::duration d) { return std::chrono::duration_cast<milliseconds>(d).count(); }

double burst_for(int64_t rate, std::chrono::milliseconds block_interval) {
    const double seconds = std::min(1.0, std::chrono::duration<double>(block_interval).count());
    return static_cast<double>(rate) * seconds;
}

} // namespace

Receiver::Receiver(int index, std::string topic, ReceiverInput input, ReceiverHub &hub, ReceiverSettings settings,
                   Diagnostics diagnostics)
    : index_(index), topic_(std::move(topic)), own_source_(std::move(input.own)),
      source_(own_source_ ? own_source_.get() : input.shared), mailbox_(own_source_ ? nullptr : input.mailbox),
      hub_(hub), settings_(settings),
      diagnostics_(std::move(diagnostics)), generator_(index, settings.block_interval, Clock::now(), hub.chunk_pool()),
      limiter_(hub.rate_limit(), burst_for(hub.rate_limit(), settings.block_interval), Clock::now()) {}

void Receiver::warn(std::string_view message) const {
    if (diagnostics_) diagnostics_(LogLevel::Warn, fmt::format("receiver {} ({}): {}", index_, topic_, message));
}

void Receiver::run() {
    if (auto st = run_guarded("receiver thread", [this] { return receive_loop(); }); !st) {
        hub_.receiver_failed(st.error());
        hub_.receiver_stopped(index_);
    }
    if (mailbox_) mailbox_->exited();
}

Source::ReadOutcome Receiver::poll(std::chrono::milliseconds timeout, size_t max_records) {
    if (mailbox_) return source_->poll_stream(index_, timeout, max_records, &Receiver::on_records, this);
    return source_->poll(timeout, max_records, &Receiver::on_records, this);
}

Status Receiver::serve_mailbox(bool stopping) {
    if (!mailbox_ || !mailbox_->pending()) return ok_status();
    auto work = mailbox_->take();
    if (work.probe) probe_now_ = true;
    if (!work.assigned.empty() && !stopping) {
        log_rebalance("assigned", work.assigned);
        took_partitions(work.assigned);
        // --until latest: one that starts at its end brings no record to say so.
        if (auto st = pause_ended(hub_.note_received(work.starts)); !st) return st;
    }
    if (!work.revoked) return ok_status();
    log_rebalance("revoked", *work.revoked);
    // Stopping, the last block is sealed and goes into the final batch: its commits follow it.
    Status st = stopping ? ok_status() : handle_revoke(*work.revoked);
    mailbox_->revoke_done(!stopping);
    return st;
}

Status Receiver::receive_loop() {
    last_probe_ = Clock::now(); // the first idle probe after kIdleProbe: joining the group takes a moment
    if (!mailbox_)
        if (auto st = source_->subscribe({topic_}, &Receiver::on_rebalance, this); !st) return st;
    while (!hub_.stopping()) {
        if (auto st = serve_mailbox(false); !st) return st;
        if (auto st = commit_due(); !st) return st;
        store(generator_.tick(Clock::now(), epoch_ms_now()));
        // A block that reached its share of the buffer is sealed early: the driver can then
        // output it (and free it) without waiting for the block interval.
        if (generator_.buffered_bytes() >= hub_.block_limit()) store(generator_.seal(epoch_ms_now()));
        bool wait = false;
        if (auto st = apply_backpressure(wait); !st) return st;
        if (wait) { // full for a moment: the driver is outputting a batch
            const auto since = Clock::now();
            hub_.wait_for_room(kFullWait);
            room_wait_ += Clock::now() - since;
            continue;
        }

        const auto now = Clock::now();
        const int64_t rate = hub_.rate_limit();
        limiter_.set_rate(rate, burst_for(rate, settings_.block_interval), now);
        auto timeout = std::clamp(std::chrono::duration_cast<milliseconds>(generator_.next_boundary() - now),
                                  milliseconds(1), settings_.block_interval);
        if (paused_) timeout = std::min(timeout, milliseconds(50));
        // Paused, poll still serves rebalances but would hand over what librdkafka had
        // already fetched: take one record at a time then, so the buffer stays near its bound.
        // Otherwise take no more than the buffer has room for, by the average record size so far.
        int64_t cap = static_cast<int64_t>(kMaxPollRecords);
        if (const size_t room = hub_.room(index_, generator_.buffered_bytes()); room != SIZE_MAX)
            cap = std::clamp<int64_t>(static_cast<int64_t>(room / std::max<size_t>(1, average_record_bytes_)), 1, cap);
        const int64_t want = std::min(limiter_.available(now, paused_ ? 1 : cap), hub_.batch_room(index_));
        if (want <= 0) { // stream.receiver.maxRate or backpressure: wait for a token or for the next batch
            const auto token = limiter_.wait_time(now);
            std::this_thread::sleep_for(token.count() > 0 ? std::min<std::chrono::microseconds>(token, timeout)
                                                          : std::chrono::microseconds(std::min(timeout, milliseconds(20))));
            continue;
        }
        poll_positions_.clear();
        const int64_t before = received_;
        const auto outcome = poll(timeout, static_cast<size_t>(want));
        ++polls_;
        if (received_ == before) idle_wait_ += Clock::now() - now;
        if (callback_error_) return *callback_error_;
        if (!poll_positions_.empty())
            if (auto st = pause_ended(hub_.note_received(poll_positions_)); !st) return st;
        if (auto st = watch_missing_topic(outcome.status == SS_ERR_UNKNOWN_TOPIC); !st) return st;
        if (outcome.status == SS_ERR_INTERRUPTED) continue; // woken (wake()): the loop checks whether to stop
        if (outcome.status == SS_ERR_UNKNOWN_TOPIC) {
            std::this_thread::sleep_for(milliseconds(100)); // reported at every fetch: do not spin
        } else if (outcome.status != SS_OK) {
            if (!outcome.error.retriable) return outcome.error;
            warn(outcome.error.what + "; retrying");
            std::this_thread::sleep_for(milliseconds(200));
        }
    }
    // Stopping: the last block goes into the last batch; its commits are posted once it is
    // on disk (with the log) or output (without).
    store(generator_.seal(epoch_ms_now()));
    hub_.receiver_stopped(index_);
    if (diagnostics_)
        diagnostics_(LogLevel::Debug,
                     fmt::format("receiver {} ({}): received {} records in {} polls, committed {} times ({} ms); "
                                 "waited {} ms in polls that brought none, {} ms for buffer room "
                                 "(stream.receiver.maxBufferedBytes); {} records kept in the connector's buffers, "
                                 "not copied",
                                 index_, topic_, received_, polls_, commits_, as_ms(commit_wait_), as_ms(idle_wait_),
                                 as_ms(room_wait_), kept_));
    while (!hub_.finished()) {
        hub_.wait_commits(index_, milliseconds(100));
        if (auto st = serve_mailbox(true); !st) return st;
        if (auto st = commit_posted(); !st) return st;
    }
    return commit_posted();
}

// librdkafka reports a deleted topic while its partitions are fetched (`reported`); a receiver
// without partitions (revoked when the topic went, or one of more threads than partitions)
// hears nothing, so it asks the brokers every kIdleProbe whether its topic still exists.
Status Receiver::watch_missing_topic(bool reported) {
    if (dropped_) return ok_status();
    const auto now = Clock::now();
    if (!reported && !missing_since_) {
        if (!probe_now_ && (!assigned_.empty() || now - last_probe_ < kIdleProbe)) return ok_status();
        probe_now_ = false;
        last_probe_ = now;
        if (auto found = source_->list_partitions({topic_}, "", settings_.request_timeout);
            found || found.error().cause != Cause::UnknownTopic)
            return ok_status(); // it exists, or the brokers cannot tell now
    }
    if (!missing_since_) {
        missing_since_ = last_probe_ = now;
        warn(missing_topic_warning(topic_, settings_.missing_topic_timeout));
    } else if (now - last_probe_ >= std::chrono::seconds(1)) { // back after a broker restart?
        last_probe_ = now;
        if (auto found = source_->list_partitions({topic_}, "", settings_.request_timeout); found && !found->empty()) {
            missing_since_.reset();
            return ok_status();
        }
    }
    if (now - *missing_since_ < settings_.missing_topic_timeout) return ok_status();
    if (settings_.fail_on_data_loss) return deleted_topic_error(topic_, settings_.missing_topic_timeout);
    warn(dropped_topic_warning(topic_));
    dropped_ = true;
    if (hub_.receiver_dropped(index_)) return every_topic_deleted_error();
    return ok_status();
}

int Receiver::on_records(void *ctx, const ss_record *records, size_t count) noexcept {
    auto &self = *static_cast<Receiver *>(ctx);
    // Nothing throws into the plugin: a failure fails the receiver after poll returns.
    const Status st = run_guarded("receiving records", [&]() -> Status {
        self.take_records(records, count);
        return ok_status();
    });
    if (st) return 0;
    if (!self.callback_error_) self.callback_error_ = st.error();
    return 1;
}

void Receiver::take_records(const ss_record *records, size_t count) {
    RecordLease lease;
    if (mailbox_ && Block::worth_keeping(records, count)) lease = source_->retain_stream_records(index_);
    if (lease) {
        generator_.add_kept(records, count, std::move(lease));
        kept_ += static_cast<int64_t>(count);
    } else {
        generator_.add(records, count);
    }
    // What one record costs (its bytes and its entry; arena chunks are not counted, so a new
    // block's first chunk does not shrink the polls), to size the next poll.
    if (const size_t n = generator_.buffered_records(); n > 0)
        average_record_bytes_ = static_cast<size_t>(generator_.current().payload_bytes()) / n + Block::kEntryBytes;
    limiter_.take(static_cast<int64_t>(count));
    received_ += static_cast<int64_t>(count);
    hub_.took(index_, static_cast<int64_t>(count));
    // Positions for --until latest: records come in runs of one partition, one update per run.
    for (size_t i = 0; i < count;) {
        const ss_record &first = records[i];
        int64_t next = first.offset + 1;
        size_t j = i + 1;
        for (; j < count; ++j) {
            const ss_record &r = records[j];
            if (r.partition != first.partition || r.topic != first.topic) break;
            next = std::max(next, r.offset + 1);
        }
        auto &pos = poll_positions_[TopicPartition{first.topic ? first.topic : "", first.partition}];
        pos = std::max(pos, next);
        i = j;
    }
}

void Receiver::on_rebalance(void *ctx, ss_rebalance_event event, const ss_topic_partition *parts,
                            size_t count) noexcept {
    auto &self = *static_cast<Receiver *>(ctx);
    const Status st = run_guarded("receiver rebalance", [&]() -> Status {
        self.rebalance(event, parts, count);
        return ok_status();
    });
    if (!st && !self.callback_error_) self.callback_error_ = st.error();
}

void Receiver::log_rebalance(std::string_view what, const std::vector<TopicPartition> &tps) const {
    if (!diagnostics_) return;
    std::string names;
    for (const auto &tp : tps) { // not `"," + to_string(tp)`: GCC 12 at -O3 warns falsely (-Wrestrict, GCC bug 105329)
        if (!names.empty()) names += ',';
        names += to_string(tp);
    }
    diagnostics_(LogLevel::Debug, fmt::format("receiver {} ({}): {} [{}]", index_, topic_, what, names));
}

void Receiver::took_partitions(const std::vector<TopicPartition> &assigned) {
    assigned_.insert(assigned.begin(), assigned.end());
    hub_.set_assignment(index_, assigned_);
    if (paused_) repause_ = true;
}

// Its own consumer's events, inside its poll().
void Receiver::rebalance(ss_rebalance_event event, const ss_topic_partition *parts, size_t count) {
    std::vector<TopicPartition> tps;
    for (size_t i = 0; i < count; ++i) tps.push_back({parts[i].topic, parts[i].partition});
    log_rebalance(event == SS_REBALANCE_ASSIGN ? "assigned" : "revoked", tps);
    if (settings_.observer) settings_.observer->rebalanced(rebalance_kind(event), tps.size());
    if (event == SS_REBALANCE_ASSIGN) {
        if (auto moved = start_where_the_application_says(*source_, settings_.application, tps, settings_.request_timeout,
                                                          diagnostics_, fmt::format("receiver {} ({})", index_, topic_));
            !moved && !callback_error_)
            callback_error_ = moved.error();
        took_partitions(tps);
        return;
    }
    if (auto st = handle_revoke(tps); !st && !callback_error_) callback_error_ = st.error();
}

Status Receiver::handle_revoke(const std::vector<TopicPartition> &revoked) {
    // Finish what this receiver holds before the partitions go: store the open block, wait
    // until every stored block is on disk (with the log) or output (without), then commit.
    // Partitions that stay assigned lose nothing by being included.
    store(generator_.seal(epoch_ms_now()));
    hub_.flush_and_wait(index_);
    const Status st = commit_posted();
    for (const auto &tp : revoked) {
        assigned_.erase(tp);
        ended_.erase(tp);
    }
    hub_.set_assignment(index_, assigned_);
    return st;
}

void Receiver::store(std::optional<Block> block) {
    if (block) hub_.store(std::move(*block));
}

Status Receiver::commit(const OffsetMap &offsets) {
    if (offsets.empty()) return ok_status();
    ++commits_;
    const auto since = Clock::now();
    const auto st = source_->commit_offsets(offsets);
    commit_wait_ += Clock::now() - since;
    if (!st)
        warn(ReceiverHub::commit_failed_warning(st.error()));
    return ok_status();
}

// --until latest: a partition that reached its end is paused. Left in the fetch, it makes the
// broker hold the handle's one fetch in flight for kafka.fetch.wait.max.ms whenever the
// handle's other partitions are not fetchable for a moment (a full prefetch queue), and those
// then wait for it. (The ~100 ms late end of receiver runs this session traced was mostly the
// fetch wake-up queued behind such a hold, fetch_wake.h; the two changes were measured together.)
Status Receiver::pause_ended(std::vector<TopicPartition> ended) {
    // Not checked against assigned_: a stream's first records can come before the mailbox told
    // this thread of the assignment they belong to.
    std::erase_if(ended, [&](const TopicPartition &tp) { return ended_.contains(tp); });
    if (ended.empty()) return ok_status();
    if (auto st = source_->pause(ended); !st) return st;
    ended_.insert(ended.begin(), ended.end());
    log_rebalance("reached the end (--until latest), paused", ended);
    return ok_status();
}

Status Receiver::commit_posted() {
    auto turn = hub_.commit_turn();
    return commit(hub_.take_commits(index_));
}

// While receiving, commits go out at most once per block interval, as Spark's reliable receiver
// commits once per stored block. Early batches (at half the buffer) can come every few
// milliseconds, and a commit is a synchronous round trip to the group coordinator on this
// thread: 3 M x 100 B made 32 commits per thread, ~80 ms of a 0.65 s run spent not receiving.
// A revocation and the stop still commit at once (commit_posted). Streams of the job's one
// consumer leave it to the group's thread (ReceiverGroup::commit_due), which commits for all.
Status Receiver::commit_due() {
    if (mailbox_ || Clock::now() < next_commit_) return ok_status();
    const OffsetMap offsets = hub_.take_commits(index_);
    if (offsets.empty()) return ok_status(); // after a quiet spell the next commit goes out at once
    next_commit_ = Clock::now() + settings_.block_interval;
    return commit(offsets);
}

Status Receiver::apply_backpressure(bool &wait) {
    const bool full = hub_.over_limit(index_, generator_.buffered_bytes());
    if (full) {
        // The open block goes to the driver so that the next batch can free it.
        store(generator_.seal(epoch_ms_now()));
        if (!paused_) {
            const auto now = Clock::now();
            if (!full_since_) full_since_ = now;
            if (now - *full_since_ < kPauseAfter) {
                wait = true;
                return ok_status();
            }
        }
        if ((paused_ && !repause_) || assigned_.empty()) return ok_status();
        if (auto st = source_->pause({assigned_.begin(), assigned_.end()}); !st) return st;
        if (!paused_ && diagnostics_)
            diagnostics_(LogLevel::Debug, fmt::format("receiver {} ({}): buffer full (stream.receiver.maxBufferedBytes); "
                                                      "fetching paused until a batch frees memory",
                                                      index_, topic_));
        paused_ = true;
        repause_ = false;
        hub_.set_paused(index_, true);
    } else if (full_since_ = std::nullopt; paused_) {
        std::vector<TopicPartition> resumed;
        for (const auto &tp : assigned_)
            if (!ended_.contains(tp)) resumed.push_back(tp); // done with: stays paused
        if (!resumed.empty())
            if (auto st = source_->resume(resumed); !st) return st;
        paused_ = false;
        repause_ = false;
        hub_.set_paused(index_, false);
    }
    return ok_status();
}

} // namespace streamsubmit::runtime
