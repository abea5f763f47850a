// A direct-mode job wired as cli/submit_command.cpp wires it (DirectStream, ParallelReader over
// N sources, CheckpointProgress + AllPartitions or GroupProgress + GroupOwnership, a hosted
// Application), but over the in-process fake source and application tables: the loop's state
// machines run for real, without a broker. Tests check what was delivered: the batch reports
// output, the records the application committed, the offsets the fake group accepted.
#pragma once

#include "runtime/progress/all_partitions.h"
#include "runtime/plugin/application.h"
#include "runtime/progress/checkpoint_progress.h"
#include "runtime/direct/direct_stream.h"
#include "runtime/progress/group_ownership.h"
#include "runtime/progress/group_progress.h"
#include "runtime/direct/parallel_reader.h"
#include "runtime/plugin/source.h"
#include "runtime/core/stop_signal.h"

#include "fake_application.h"
#include "fake_source.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace streamsubmit::test {

struct StreamJob {
    enum class Mode { Checkpoint, Group };

    explicit StreamJob(Mode m = Mode::Checkpoint) : mode(m) {
        options.topics = {"t"};
        options.limits.batch_interval = std::chrono::milliseconds(1);
        options.limits.max_rate_per_partition = 3000; // 3 records per partition per 1 ms batch
        options.start.from_earliest = true;
    }

    Mode mode;
    int readers = 2; // partitions t-0 and t-1 go to different readers
    runtime::DirectStreamOptions options;
    FakeSourceState source;
    FakeApplicationState app;
    bool with_application = true;
    std::optional<std::filesystem::path> checkpoint; // Checkpoint mode: a checkpoint directory
    std::chrono::milliseconds commit_patience{30'000};
    runtime::StopSignal stop;
    // Called on the driver thread with each batch's report, after the application committed it
    // and before its progress is recorded (the group commit): a test acts here as the group does.
    std::function<void(const runtime::BatchReport &)> on_report;

    // Runs the job on this thread; everything is created on it (the fakes' create finds its state there).
    Status run() {
        const runtime::Diagnostics diagnostics = [this](runtime::LogLevel level, std::string_view message) {
            std::lock_guard lock(mutex_);
            (level == runtime::LogLevel::Warn ? warnings : infos).emplace_back(message);
        };
        auto plugin = fake_source_plugin(source, {.direct = true, .consumer = false, .member = mode == Mode::Group});
        std::vector<std::unique_ptr<runtime::Source>> sources;
        for (int i = 0; i < readers; ++i) {
            auto s = runtime::Source::create(plugin, {}, diagnostics);
            if (!s) return s.error();
            sources.push_back(std::move(*s));
        }
        runtime::ParallelReader reader(std::move(sources));
        std::unique_ptr<runtime::Application> application;
        if (with_application) {
            auto created = runtime::Application::create(fake_application_plugin(app), {}, diagnostics);
            if (!created) return created.error();
            application = std::move(*created);
        }
        options.application = application.get();
        const runtime::BatchOutput output = [this](const runtime::BatchReport &report) -> Status {
            if (on_report) on_report(report);
            {
                std::lock_guard lock(mutex_);
                reports.push_back(report);
            }
            reported_.notify_all();
            return ok_status();
        };
        if (mode == Mode::Checkpoint) {
            runtime::AllPartitions ownership(stop);
            runtime::CheckpointProgress progress({checkpoint, runtime::subscription_id(options), 10, false},
                                                 reader.primary(), diagnostics);
            runtime::DirectStream stream(options, reader.primary(), reader, progress, ownership, output, diagnostics,
                                         stop);
            return stream.run();
        }
        auto member = runtime::Source::create(plugin, {}, diagnostics);
        if (!member) return member.error();
        runtime::GroupOwnership ownership({"g", options.topics, "instance-1"}, **member, diagnostics, stop);
        runtime::GroupProgressOptions group_options;
        group_options.group = "g";
        group_options.instance = "instance-1";
        group_options.commit_patience = commit_patience;
        group_options.subscription = runtime::subscription_id(options);
        runtime::GroupProgress progress(group_options, **member, ownership, diagnostics);
        runtime::DirectStream stream(options, reader.primary(), reader, progress, ownership, output, diagnostics,
                                     stop);
        return stream.run();
    }

    // Runs the job on a thread of its own.
    std::future<Status> start() {
        return std::async(std::launch::async, [this] { return run(); });
    }

    // Waits until `count` batches were reported; false after `timeout`.
    bool wait_for_reports(size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        std::unique_lock lock(mutex_);
        return reported_.wait_for(lock, timeout, [&] { return reports.size() >= count; });
    }

    bool warned(std::string_view text) {
        std::lock_guard lock(mutex_);
        for (const auto &w : warnings)
            if (w.find(text) != std::string::npos) return true;
        return false;
    }

    // ---- what was delivered ----
    std::vector<runtime::BatchReport> reports;
    std::vector<std::string> warnings;
    std::vector<std::string> infos;

    // The [from, until) of a partition in each report, in order ("" when the batch had no range for it).
    std::vector<std::string> ranges_of(int32_t partition) const {
        std::vector<std::string> out;
        for (const auto &report : reports) {
            std::string text;
            for (const auto &r : report.ranges)
                if (r.range.tp.partition == partition)
                    text = "[" + std::to_string(r.range.from) + "," + std::to_string(r.range.until) + ")";
            out.push_back(text);
        }
        return out;
    }
    std::vector<int64_t> report_ids() const {
        std::vector<int64_t> ids;
        for (const auto &report : reports) ids.push_back(report.id);
        return ids;
    }
    // The offsets of a partition the application committed, in order.
    std::vector<int64_t> delivered(int32_t partition) { return app.delivered[{"t", partition}]; }

private:
    std::mutex mutex_;
    std::condition_variable reported_;
};

inline std::vector<int64_t> offsets(int64_t from, int64_t until) {
    std::vector<int64_t> out;
    for (int64_t o = from; o < until; ++o) out.push_back(o);
    return out;
}

inline runtime::TopicPartition tp(int32_t partition) { return {"t", partition}; }

} // namespace streamsubmit::test
