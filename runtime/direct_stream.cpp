#include "runtime/direct_stream.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>

namespace streamsubmit::runtime {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A broker outage is waited out; anything else stops the job.
bool is_transient(ss_status status) {
    return status == SS_ERR_UNREACHABLE || status == SS_ERR_TIMEOUT || status == SS_ERR_BROKER;
}

std::string join(const std::vector<std::string> &items) {
    std::string out;
    for (const auto &item : items) out += (out.empty() ? "" : ",") + item;
    return out;
}

} // namespace

int64_t epoch_ms_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string subscription_id(const DirectStreamOptions &options) {
    if (!options.topic_pattern.empty()) return "pattern=" + options.topic_pattern;
    auto topics = options.topics;
    std::sort(topics.begin(), topics.end());
    return "topics=" + join(topics);
}

DirectStream::DirectStream(DirectStreamOptions options, Source &control, ParallelReader &reader, BatchOutput output,
                           Diagnostics diagnostics, StopSignal &stop)
    : options_(std::move(options)), control_(control), reader_(reader), output_(std::move(output)),
      diagnostics_(std::move(diagnostics)), stop_(stop), planner_(options_.limits),
      rate_(options_.backpressure, options_.limits.batch_interval),
      trigger_(options_.min_offsets_per_batch, options_.max_batch_delay, Clock::now()), started_(Clock::now()) {}

void DirectStream::warn(std::string_view message) const {
    if (diagnostics_) diagnostics_(LogLevel::Warn, message);
}

void DirectStream::info(std::string_view message) const {
    if (diagnostics_) diagnostics_(LogLevel::Info, message);
}

Result<WatermarkMap> DirectStream::watermarks() {
    return control_.query_watermarks(partitions_, options_.request_timeout);
}

Status DirectStream::refresh_partitions() {
    auto found = control_.list_partitions(options_.topics, options_.topic_pattern, options_.request_timeout);
    if (!found) return found.error();
    for (const auto &tp : *found) {
        if (positions_.contains(tp)) continue;
        // A partition that appears while the job runs starts at its earliest offset.
        if (!partitions_.empty()) info(fmt::format("new partition {} found; reading it from the earliest offset", to_string(tp)));
        positions_[tp] = kOffsetEarliest;
    }
    partitions_ = std::move(*found);
    return ok_status();
}

Status DirectStream::start() {
    if (options_.checkpoint_dir) {
        auto cp = Checkpoint::open(*options_.checkpoint_dir, subscription_id(options_), options_.keep_batches);
        if (!cp) return cp.error();
        checkpoint_.emplace(std::move(*cp));
    }
    auto found = control_.list_partitions(options_.topics, options_.topic_pattern, options_.request_timeout);
    if (!found) return found.error();
    partitions_ = std::move(*found);
    if (partitions_.empty() && !options_.topic_pattern.empty())
        warn(fmt::format("no topic matches --topic-pattern '{}'{}", options_.topic_pattern,
                         options_.until_latest ? "" : " yet; new ones are picked up at each batch"));
    auto wm = watermarks();
    if (!wm) return wm.error();
    last_watermarks_ = *wm;

    if (checkpoint_ && checkpoint_->last()) {
        const BatchRecord &last = *checkpoint_->last();
        info(fmt::format("resuming from checkpoint {} after batch {}{}; starting options are ignored",
                         checkpoint_->dir().string(), last.id, last.complete ? "" : " (re-running it: it did not complete)"));
        for (const auto &r : last.ranges) positions_[r.tp] = last.complete ? r.until : r.from;
        if (!last.complete) pending_ = last;
        next_id_ = last.complete ? last.id + 1 : last.id;
        for (const auto &tp : partitions_)
            if (!positions_.contains(tp)) positions_[tp] = wm->at(tp).earliest;
    } else {
        if (options_.start.explicit_offsets) {
            const std::set<TopicPartition> known(partitions_.begin(), partitions_.end());
            for (const auto &[tp, offset] : *options_.start.explicit_offsets)
                if (!known.contains(tp))
                    return Error(ErrorKind::Usage, "stream.startingOffsets names a partition the job does not read",
                                 to_string(tp), "name only partitions of the topics given to --topics");
        }
        OffsetMap by_time;
        if (options_.start.timestamp_ms) {
            auto offsets = control_.offsets_for_times(partitions_, *options_.start.timestamp_ms, options_.request_timeout);
            if (!offsets) return offsets.error();
            by_time = std::move(*offsets);
        }
        positions_ = initial_offsets(partitions_, *wm, options_.start, by_time);
    }
    if (auto st = recover_application(); !st) return st;
    if (options_.until_latest) {
        target_.emplace();
        for (const auto &[tp, marks] : *wm) (*target_)[tp] = marks.latest;
        start_positions_ = positions_;
    }
    return ok_status();
}

// A sink that stores its own progress says where it continues; that wins over the checkpoint.
Status DirectStream::recover_application() {
    if (!options_.application) return ok_status();
    auto recovered = options_.application->recover(positions_);
    if (!recovered) return recovered.error();
    if (*recovered == positions_) return ok_status();
    for (const auto &[tp, offset] : *recovered)
        if (offset != positions_[tp])
            info(fmt::format("application '{}' continues {} at offset {} (its own progress, not the checkpoint's {})",
                             options_.application->name(), to_string(tp), offset, positions_[tp]));
    positions_ = std::move(*recovered);
    pending_.reset(); // the unfinished batch no longer starts where the application does: plan anew
    return ok_status();
}

Status DirectStream::check_data_loss(const WatermarkMap &wm) {
    for (auto &[tp, position] : positions_) {
        const auto it = wm.find(tp);
        if (it == wm.end()) continue;
        if (position == kOffsetEarliest) position = it->second.earliest;
        if (position >= it->second.earliest) continue;
        const int64_t lost = it->second.earliest - position;
        if (options_.fail_on_data_loss)
            return Error(ErrorKind::Kafka,
                         fmt::format("data loss: records {} to {} were deleted before they were read "
                                     "(the earliest offset is now {})",
                                     position, it->second.earliest - 1, it->second.earliest),
                         to_string(tp),
                         fmt::format("set stream.failOnDataLoss=false to skip the {} lost records and continue from "
                                     "the earliest offset",
                                     lost));
        warn(fmt::format("data loss: {} records of {} ({} to {}) were deleted before they were read; continuing "
                         "from offset {} (stream.failOnDataLoss=false)",
                         lost, to_string(tp), position, it->second.earliest - 1, it->second.earliest));
        position = it->second.earliest;
    }
    return ok_status();
}

void DirectStream::report_progress() const {
    if (!target_ || !options_.on_catch_up_progress) return;
    int64_t done = 0, total = 0;
    for (const auto &[tp, until] : *target_) {
        const auto start = start_positions_.find(tp);
        const auto now = positions_.find(tp);
        if (start == start_positions_.end() || now == positions_.end() || start->second < 0) continue;
        total += std::max<int64_t>(0, until - start->second);
        done += std::clamp<int64_t>(now->second - start->second, 0, std::max<int64_t>(0, until - start->second));
    }
    options_.on_catch_up_progress(done, total);
}

bool DirectStream::reached_target() const {
    if (!target_) return false;
    for (const auto &[tp, until] : *target_) {
        const auto it = positions_.find(tp);
        if (it == positions_.end() || it->second < until) return false;
    }
    return true;
}

Result<std::optional<BatchRecord>> DirectStream::plan_next() {
    const auto query_start = Clock::now();
    if (auto st = refresh_partitions(); !st) return st.error();
    auto wm = watermarks();
    if (!wm) return wm.error();
    query_ms_ = ms_since(query_start);
    last_watermarks_ = *wm;
    if (auto st = check_data_loss(*wm); !st) return st.error();
    if (reached_target()) return std::optional<BatchRecord>{};

    OffsetMap limit;
    available_ = 0;
    for (const auto &[tp, position] : positions_) {
        const auto it = wm->find(tp);
        int64_t latest = it == wm->end() ? position : it->second.latest;
        if (target_) {
            const auto t = target_->find(tp);
            latest = t == target_->end() ? position : std::min(latest, t->second);
        }
        limit[tp] = latest;
        available_ += std::max<int64_t>(0, latest - position);
    }
    BatchRecord batch;
    batch.id = next_id_;
    batch.time_ms = epoch_ms_now();
    batch.ranges = planner_.plan(positions_, limit, rate_.rate());
    return std::optional<BatchRecord>(std::move(batch));
}

Status DirectStream::execute(BatchRecord batch, const WatermarkMap &wm, BatchDurations durations,
                             const Schedule &schedule) {
    batch.complete = false;
    if (checkpoint_)
        if (auto st = checkpoint_->record(batch); !st) return st;

    std::optional<ApplicationBatch> app_batch;
    if (options_.application) app_batch.emplace(batch.id, batch.time_ms, "direct", batch.ranges);
    const auto read_start = Clock::now();
    auto outcome = reader_.read(batch.ranges, options_.application, app_batch ? &*app_batch : nullptr);
    const double read_ms = ms_since(read_start);
    read_status_ = outcome.status;
    if (outcome.status != SS_OK) {
        if (app_batch) options_.application->abort(*app_batch);
        return outcome.error;
    }
    // Before the checkpoint says complete: the output is durable when the batch is.
    if (app_batch) {
        const auto commit_start = Clock::now();
        if (auto st = options_.application->commit(*app_batch); !st) {
            options_.application->abort(*app_batch);
            return st;
        }
        durations.commit_ms = ms_since(commit_start);
        durations.process_ms = outcome.process_ms;
    }

    const auto output_start = Clock::now();
    BatchReport report;
    report.id = batch.id;
    report.time_ms = batch.time_ms;
    report.mode = "direct";
    report.ranges = std::move(outcome.ranges);
    for (auto &r : report.ranges)
        if (const auto it = wm.find(r.range.tp); it != wm.end()) r.log_end_offset = it->second.latest;
    durations.read_ms = read_ms;
    durations.output_ms = ms_since(output_start);
    report.durations = durations;
    report.rate_limit = schedule.rate;
    const auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(schedule.started - schedule.due);
    report.scheduling_delay_ms = static_cast<double>(std::max<int64_t>(0, delay.count()));
    // Everything the batch held the driver for, from asking the brokers for offsets on: the
    // next batch cannot start earlier, so this is what the estimator must fit in an interval.
    report.processing_ms = ms_since(schedule.started);
    if (auto st = output_(report); !st) return st;
    rate_.on_batch_completed({std::chrono::duration_cast<std::chrono::milliseconds>(schedule.due - started_).count(),
                              report.records(), static_cast<int64_t>(report.processing_ms),
                              std::max<int64_t>(0, delay.count())});

    batch.complete = true;
    if (checkpoint_)
        if (auto st = checkpoint_->record(batch); !st) return st;
    OffsetMap untils;
    for (const auto &r : batch.ranges) {
        positions_[r.tp] = r.until;
        untils[r.tp] = r.until;
    }
    if (options_.commit_offsets)
        if (auto st = control_.commit_offsets(untils); !st)
            warn("could not commit offsets to the consumer group: " + st.error().what);
    next_id_ = batch.id + 1;
    return ok_status();
}

Status DirectStream::run() {
    if (auto st = start(); !st) return st;
    const auto interval = std::max(options_.limits.batch_interval, std::chrono::milliseconds(1));
    const auto retry_delay = std::min(interval, std::chrono::milliseconds(1000));
    auto next_tick = Clock::now();
    int64_t batches = 0;
    bool planned_once = false;
    auto last_planned = Clock::now();

    while (!stop_.requested()) {
        auto due = Clock::now();
        if (!options_.until_latest) {
            // A fixed grid, as Spark's batch times: a batch that overran makes the next ones
            // start at once, late by their scheduling delay, until the job has caught up.
            if (stop_.wait_until(next_tick)) break;
            due = next_tick;
            next_tick += interval;
        }
        const auto plan_start = Clock::now();
        std::optional<double> rate;
        BatchRecord batch;
        if (pending_) {
            batch = *pending_;
            pending_.reset();
            auto wm = watermarks();
            if (!wm) return wm.error();
            query_ms_ = ms_since(plan_start);
            last_watermarks_ = *wm;
            if (auto st = check_data_loss(*wm); !st) return st;
        } else {
            auto planned = plan_next();
            if (!planned) {
                // A broker that restarts answers metadata before it has loaded its partitions:
                // topics this run has already planned look unknown for a few seconds. Retried
                // for up to a minute; a topic that stays unknown (deleted) still fails the job.
                const bool vanished = control_.last_status() == SS_ERR_UNKNOWN_TOPIC && planned_once &&
                                      Clock::now() - last_planned < std::chrono::seconds(60);
                if (!is_transient(control_.last_status()) && !vanished) return planned.error();
                warn(planned.error().what + "; retrying");
                stop_.wait_until(Clock::now() + retry_delay);
                continue;
            }
            planned_once = true;
            last_planned = Clock::now();
            if (!*planned) break; // --until latest reached
            batch = std::move(**planned);
            const bool empty = std::all_of(batch.ranges.begin(), batch.ranges.end(),
                                           [](const OffsetRange &r) { return r.size() == 0; });
            if (empty && options_.until_latest) {
                // Open transactions hold the last stable offset below the target: wait for them.
                stop_.wait_until(Clock::now() + retry_delay);
                continue;
            }
            // stream.kafka.minOffsetsPerBatch: too few records yet; this interval runs no batch.
            if (!options_.until_latest && !trigger_.ready(available_, Clock::now())) continue;
            rate = rate_.rate();
        }
        BatchDurations durations;
        durations.query_ms = query_ms_;
        durations.plan_ms = std::max(0.0, ms_since(plan_start) - query_ms_);
        auto status = execute(std::move(batch), last_watermarks_, durations, {due, plan_start, rate});
        if (!status) {
            // Retention removed records between planning and reading.
            if (read_status_ == SS_ERR_OFFSET_OUT_OF_RANGE && !options_.fail_on_data_loss) {
                warn(status.error().what + "; planning the batch again from the earliest offsets");
                continue;
            }
            return status;
        }
        ++batches;
        report_progress();
        if (options_.max_batches > 0 && batches >= options_.max_batches) break;
        if (reached_target()) break;
    }
    if (options_.until_latest && batches == 0 && reached_target())
        info("nothing to read: every partition is already at the latest offset");
    return ok_status();
}

} // namespace streamsubmit::runtime
