#include "runtime/direct/direct_stream.h"

#include "runtime/core/missing_topic.h"
#include "runtime/core/start_query.h"
#include "runtime/core/wall_clock.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>
#include <thread>

namespace streamsubmit::runtime {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string join(const std::vector<std::string> &items) {
    std::string out;
    for (const auto &item : items) out += (out.empty() ? "" : ",") + item;
    return out;
}

} // namespace

std::string subscription_id(const DirectStreamOptions &options) {
    if (!options.topic_pattern.empty()) return "pattern=" + options.topic_pattern;
    auto topics = options.topics;
    std::sort(topics.begin(), topics.end());
    return "topics=" + join(topics);
}

namespace {

// A direct-mode batch's records: its planned ranges, read by the ParallelReader.
class PlannedRanges final : public BatchInput {
public:
    PlannedRanges(const BatchRecord &batch, ParallelReader &reader, Application *application,
                  const WatermarkMap &watermarks, Ownership &ownership)
        : batch_(batch), reader_(reader), application_(application), watermarks_(watermarks), ownership_(ownership) {}

    Result<Read> read(const ApplicationBatch *batch) override {
        const auto start = Clock::now();
        auto outcome = reader_.read(batch_.ranges, application_, batch);
        if (outcome.error) return *outcome.error;
        Read out{std::move(outcome.ranges), ms_since(start), outcome.process_ms};
        for (auto &r : out.ranges)
            if (const auto it = watermarks_.find(r.range.tp); it != watermarks_.end()) r.log_end_offset = it->second.latest;
        return out;
    }
    Result<std::string> group_metadata() override { return ownership_.group_metadata(); }

private:
    const BatchRecord &batch_;
    ParallelReader &reader_;
    Application *application_;
    const WatermarkMap &watermarks_;
    Ownership &ownership_;
};

} // namespace

DirectStream::DirectStream(DirectStreamOptions options, Source &control, ParallelReader &reader,
                           ProgressStore &progress, Ownership &ownership, BatchOutput output, Diagnostics diagnostics,
                           StopSignal &stop)
    : options_(std::move(options)), control_(control), reader_(reader), progress_(progress), ownership_(ownership),
      diagnostics_(std::move(diagnostics)), stop_(stop), planner_(options_.limits),
      trigger_(options_.min_offsets_per_batch, options_.max_batch_delay, Clock::now()),
      application_(options_.application ? std::optional<HostedApplication>(*options_.application) : std::nullopt),
      runner_({"direct", options_.backpressure, options_.limits.batch_interval, options_.test_hooks,
               options_.observer, options_.dead_letters},
              progress_,
              application_ ? &*application_ : nullptr, std::move(output), diagnostics_) {}

void DirectStream::warn(std::string_view message) const {
    if (diagnostics_) diagnostics_(LogLevel::Warn, message);
}

void DirectStream::info(std::string_view message) const {
    if (diagnostics_) diagnostics_(LogLevel::Info, message);
}

Result<WatermarkMap> DirectStream::watermarks() {
    return control_.query_watermarks(partitions_, options_.request_timeout);
}

// Every partition of the subscription; with --topic-pattern, a matching topic that is gone
// starts its missing-topic clock.
Result<std::vector<TopicPartition>> DirectStream::list_subscribed() {
    auto found = control_.list_partitions(options_.topics, options_.topic_pattern, options_.request_timeout);
    if (!found) return found.error();
    if (!options_.topic_pattern.empty()) {
        std::set<std::string> missing;
        for (const auto &[tp, position] : positions_) missing.insert(tp.topic);
        for (const auto &tp : *found) missing.erase(tp.topic);
        if (auto st = note_missing(missing, nullptr); !st) return st.error();
    }
    return found;
}

// The partitions read from now on; returns those gained, whose positions place() sets.
Result<std::vector<TopicPartition>> DirectStream::refresh_partitions() {
    auto owned = ownership_.assignment([this] { return list_subscribed(); });
    if (!owned) return owned.error();
    // Reassigned partitions restart where the group says: another instance may have read them.
    for (const auto &tp : owned->fresh) positions_.erase(tp);
    for (const auto &tp : owned->released) positions_.erase(tp);
    std::vector<TopicPartition> now = std::move(owned->partitions);
    std::vector<TopicPartition> gained;
    for (const auto &tp : now)
        if (!positions_.contains(tp)) gained.push_back(tp);
    partitions_ = std::move(now);
    return gained;
}

// Where gained partitions start: their stored progress, else the starting options or, for a
// partition that appears while the job runs, its earliest offset.
Status DirectStream::place(const std::vector<TopicPartition> &gained, const WatermarkMap &wm,
                           bool use_starting_options) {
    if (gained.empty()) return ok_status();
    auto stored = progress_.stored_positions(gained);
    if (!stored) return stored.error();
    std::vector<TopicPartition> rest;
    for (const auto &tp : gained) {
        if (const auto it = stored->find(tp); it != stored->end()) positions_[tp] = it->second;
        else rest.push_back(tp);
    }
    if (rest.empty()) return ok_status();
    if (!use_starting_options) {
        for (const auto &tp : rest) {
            info(fmt::format("new partition {} found; reading it from the earliest offset", to_string(tp)));
            positions_[tp] = kOffsetEarliest;
        }
        return ok_status();
    }
    OffsetMap by_time;
    if (options_.start.timestamp_ms) {
        auto offsets = control_.offsets_for_times(rest, *options_.start.timestamp_ms, options_.request_timeout);
        if (!offsets) return offsets.error();
        by_time = std::move(*offsets);
    }
    if (auto st = check_starting_offsets_in_log(rest, wm, options_.start); !st) return st;
    for (auto &[tp, offset] : initial_offsets(rest, wm, options_.start, by_time)) positions_[tp] = offset;
    return ok_status();
}

Status DirectStream::start() {
    auto resume = progress_.resume();
    if (!resume) return resume.error();
    const auto warn_retry = [this](std::string_view m) { warn(m); };
    // Every named topic must exist before the job joins a group for them (group mode).
    auto found = ask_until_answered(
        [this] { return control_.list_partitions(options_.topics, options_.topic_pattern, options_.request_timeout); },
        stop_, warn_retry);
    if (!found) return found.error();
    if (auto st = ownership_.start(); !st) return st;
    if (found->empty() && !options_.topic_pattern.empty())
        warn(fmt::format("no topic matches --topic-pattern '{}'{}", options_.topic_pattern,
                         options_.until_latest ? "" : " yet; new ones are picked up at each batch"));
    if (options_.start.explicit_offsets && !resume->positions) {
        const std::set<TopicPartition> known(found->begin(), found->end());
        for (const auto &[tp, offset] : *options_.start.explicit_offsets)
            if (!known.contains(tp))
                return Error(ErrorKind::Usage, "stream.startingOffsets names a partition the job does not read",
                             to_string(tp), "name only partitions of the topics given to --topics");
    }
    auto owned = ownership_.assignment([&found] { return *found; });
    if (!owned) return owned.error();
    partitions_ = std::move(owned->partitions);
    auto wm = ask_until_answered([this] { return watermarks(); }, stop_, warn_retry);
    if (!wm) return wm.error();
    last_watermarks_ = *wm;

    next_id_ = resume->next_id;
    if (resume->positions) {
        positions_ = std::move(*resume->positions);
        pending_ = std::move(resume->pending);
        for (const auto &tp : partitions_)
            if (!positions_.contains(tp)) positions_[tp] = wm->at(tp).earliest;
    } else if (auto st = place(partitions_, *wm, /*use_starting_options=*/true); !st) {
        return st;
    }
    std::vector<TopicPartition> placed;
    for (const auto &[tp, offset] : positions_) placed.push_back(tp);
    if (auto st = recover_application(placed, "checkpoint"); !st) return st;
    if (options_.until_latest) {
        target_.emplace();
        for (const auto &[tp, marks] : *wm) (*target_)[tp] = marks.latest;
        start_positions_ = positions_;
    }
    return ok_status();
}

// A sink that stores its own progress says where it continues; that wins over the checkpoint
// at start and, in group mode, over the group's offsets of the partitions this instance gains.
Status DirectStream::recover_application(const std::vector<TopicPartition> &partitions, const char *whose) {
    if (!options_.application || partitions.empty()) return ok_status();
    OffsetMap asked;
    for (const auto &tp : partitions)
        if (const auto it = positions_.find(tp); it != positions_.end()) asked[tp] = it->second;
    auto recovered = options_.application->recover(asked);
    if (!recovered) return recovered.error();
    bool changed = false;
    for (const auto &[tp, offset] : *recovered) {
        if (offset == asked[tp]) continue;
        info(fmt::format("application '{}' continues {} at offset {} (its own progress, not the {}'s {})",
                         options_.application->name(), to_string(tp), offset, whose, asked[tp]));
        positions_[tp] = offset;
        changed = true;
    }
    if (changed) pending_.reset(); // the unfinished batch no longer starts where the application does: plan anew
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
    auto gained = refresh_partitions();
    if (!gained) return gained.error();
    auto wm = watermarks();
    if (!wm) return wm.error();
    if (auto st = place(*gained, *wm, ownership_.starting_options_for_gained()); !st) return st.error();
    if (ownership_.partitions_move())
        if (auto st = recover_application(*gained, "group"); !st) return st.error();
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
    batch.ranges = planner_.plan(positions_, limit, runner_.rate());
    return std::optional<BatchRecord>(std::move(batch));
}

Status DirectStream::execute(const BatchRecord &batch, BatchDurations durations, const Schedule &schedule) {
    PlannedRanges input(batch, reader_, options_.application, last_watermarks_, ownership_);
    auto end = runner_.run(batch, input, {schedule.due, schedule.started, schedule.rate, durations});
    if (!end) return end.error();
    next_id_ = batch.id + 1;
    if (*end == BatchEnd::Abandoned) return ok_status(); // positions stay; the partitions' owner reads it again
    for (const auto &r : batch.ranges)
        if (const auto it = positions_.find(r.tp); it != positions_.end()) it->second = r.until;
    return ok_status();
}

// Which of the job's topics the brokers do not know now.
Result<std::set<std::string>> DirectStream::missing_topics() {
    std::set<std::string> missing;
    if (!options_.topic_pattern.empty()) {
        auto found = control_.list_partitions({}, options_.topic_pattern, options_.request_timeout);
        if (!found) return found.error();
        for (const auto &[tp, position] : positions_) missing.insert(tp.topic);
        for (const auto &tp : *found) missing.erase(tp.topic);
        return missing;
    }
    for (const auto &topic : options_.topics) {
        auto found = control_.list_partitions({topic}, "", options_.request_timeout);
        if (found) continue;
        if (found.error().cause != Cause::UnknownTopic) return found.error();
        missing.insert(topic);
    }
    return missing;
}

// Starts the clock of each topic that went missing and acts on those missing too long;
// `cause` is the error when none could be named (kept under the key "").
Status DirectStream::note_missing(const std::set<std::string> &missing, const Error *cause) {
    const auto now = Clock::now();
    for (auto it = missing_since_.begin(); it != missing_since_.end();)
        it = missing.contains(it->first) || (cause && it->first.empty()) ? std::next(it) : missing_since_.erase(it);
    std::set<std::string> keys = missing;
    if (cause && missing.empty()) keys.insert("");
    for (const auto &topic : keys) {
        const auto [it, fresh] = missing_since_.try_emplace(topic, now);
        if (fresh && !topic.empty()) warn(missing_topic_warning(topic, options_.missing_topic_timeout));
        if (now - it->second < options_.missing_topic_timeout) continue;
        if (topic.empty()) return *cause;
        if (options_.fail_on_data_loss && options_.topic_pattern.empty())
            return deleted_topic_error(topic, options_.missing_topic_timeout);
        if (options_.topic_pattern.empty())
            warn(dropped_topic_warning(topic));
        else
            info(fmt::format("topic '{}' no longer exists; its partitions are dropped from --topic-pattern's plan", topic));
        drop_topic(topic);
    }
    if (options_.topic_pattern.empty() && options_.topics.empty())
        return every_topic_deleted_error();
    return ok_status();
}

void DirectStream::drop_topic(const std::string &topic) {
    missing_since_.erase(topic);
    std::erase(options_.topics, topic);
    std::erase_if(partitions_, [&](const TopicPartition &tp) { return tp.topic == topic; });
    const auto of_topic = [&](const auto &entry) { return entry.first.topic == topic; };
    std::erase_if(positions_, of_topic);
    std::erase_if(start_positions_, of_topic);
    std::erase_if(last_watermarks_, of_topic);
    if (target_) std::erase_if(*target_, of_topic);
    if (pending_) std::erase_if(pending_->ranges, [&](const OffsetRange &r) { return r.tp.topic == topic; });
}

Status DirectStream::on_unknown_topic(const Error &error) {
    auto missing = missing_topics();
    if (!missing) return recover(missing.error());
    return note_missing(*missing, &error);
}

// A failed planning or reading step: a broker outage is waited out, a vanished topic
// for stream.kafka.missingTopicTimeout; anything else ends the job.
Status DirectStream::recover(const Error &error) {
    if (error.cause == Cause::UnknownTopic) return on_unknown_topic(error);
    if (!error.retriable) return error;
    warn(error.what + "; retrying");
    return ok_status();
}

// The batch to run next: the unfinished one of the checkpoint, or a newly planned one.
// `finished` is set when --until latest has been reached.
Result<BatchRecord> DirectStream::next_batch(bool &finished) {
    const auto plan_start = Clock::now();
    if (pending_) {
        auto wm = watermarks();
        if (!wm) return wm.error();
        query_ms_ = ms_since(plan_start);
        last_watermarks_ = *wm;
        if (auto st = check_data_loss(*wm); !st) return st.error();
        BatchRecord batch = std::move(*pending_);
        pending_.reset();
        return batch;
    }
    auto planned = plan_next();
    if (!planned) return planned.error();
    if (!*planned) {
        finished = true;
        return BatchRecord{};
    }
    return std::move(**planned);
}

Status DirectStream::run() {
    if (auto st = start(); !st) return st;
    const auto interval = std::max(options_.limits.batch_interval, std::chrono::milliseconds(1));
    const auto retry_delay = std::min(interval, std::chrono::milliseconds(1000));
    auto next_tick = Clock::now();
    int64_t batches = 0;

    while (!stop_.requested()) {
        auto due = Clock::now();
        if (!options_.until_latest) {
            // A fixed grid, as Spark's batch times: a batch that overran makes the next ones
            // start at once, late by their scheduling delay, until the job has caught up.
            auto stopped = ownership_.wait_until(next_tick);
            if (!stopped) return stopped.error();
            if (*stopped) break;
            due = next_tick;
            next_tick += interval;
        }
        const auto plan_start = Clock::now();
        std::optional<double> rate;
        const bool rerun = pending_.has_value();
        bool finished = false;
        auto next = next_batch(finished);
        if (!next) {
            if (auto st = recover(next.error()); !st) return st;
            stop_.wait_until(Clock::now() + retry_delay);
            continue;
        }
        if (finished) break; // --until latest reached
        BatchRecord batch = std::move(*next);
        if (!rerun) {
            const bool empty = std::all_of(batch.ranges.begin(), batch.ranges.end(),
                                           [](const OffsetRange &r) { return r.size() == 0; });
            if (empty && options_.until_latest) {
                // Open transactions hold the last stable offset below the target: wait for them.
                stop_.wait_until(Clock::now() + retry_delay);
                continue;
            }
            // stream.kafka.minOffsetsPerBatch: too few records yet; this interval runs no batch.
            if (!options_.until_latest && !trigger_.ready(available_, Clock::now())) continue;
            rate = runner_.rate();
        }
        BatchDurations durations;
        durations.query_ms = query_ms_;
        durations.plan_ms = std::max(0.0, ms_since(plan_start) - query_ms_);
        auto status = execute(batch, durations, {due, plan_start, rate});
        if (!status) {
            const Cause cause = status.error().cause;
            // Retention removed records between planning and reading.
            if (cause == Cause::OffsetOutOfRange && !options_.fail_on_data_loss) {
                warn(status.error().what + "; planning the batch again from the earliest offsets");
                continue;
            }
            if (cause != Cause::UnknownTopic && !status.error().retriable) return status;
            pending_ = std::move(batch); // recorded as planned: run it again, with the same ranges
            if (auto st = recover(status.error()); !st) return st;
            stop_.wait_until(Clock::now() + retry_delay);
            continue;
        }
        if (options_.topic_pattern.empty()) missing_since_.clear(); // every named topic was found
        missing_since_.erase("");
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
