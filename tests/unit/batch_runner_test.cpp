// The end of a batch, shared by both modes, driven without a broker: fakes of the mode's
// input, the application and the progress store record what the runner asks of them.
#include "runtime/batch/batch_runner.h"
#include "runtime/core/stop_signal.h"

#include <doctest/doctest.h>

#include <optional>
#include <tuple>
#include <string>
#include <vector>

using namespace streamsubmit;
using namespace streamsubmit::runtime;

namespace {

using Events = std::vector<std::string>;

class FakeProgress final : public ProgressStore {
public:
    explicit FakeProgress(Events &events) : events_(events) {}
    bool can_abandon = false;  // a group can drop a refused batch; a checkpoint cannot
    bool group_commits = true; // false: the group aborted the batch while it was committed
    Result<Resume> resume() override { return Resume{}; }
    Result<OffsetMap> stored_positions(const std::vector<TopicPartition> &) override { return OffsetMap{}; }
    Status planned(const BatchRecord &b) override {
        events_.push_back("planned " + std::to_string(b.id));
        return ok_status();
    }
    bool abandon(const BatchRecord &b, const std::string &) override {
        events_.push_back("abandon " + std::to_string(b.id));
        return can_abandon;
    }
    Result<bool> completed(const BatchRecord &b) override {
        events_.push_back("completed " + std::to_string(b.id));
        return group_commits;
    }

private:
    Events &events_;
};

class FakeApplication final : public BatchApplication {
public:
    explicit FakeApplication(Events &events) : events_(events) {}
    std::optional<Error> refuse; // the commit's answer
    std::string metadata_seen;
    Status commit(const ApplicationBatch &b) override {
        events_.push_back("commit " + std::to_string(b.c().id));
        const auto &c = b.c();
        metadata_seen.assign(c.group_metadata ? static_cast<const char *>(c.group_metadata) : "",
                             c.group_metadata_size);
        if (refuse) return *refuse;
        return ok_status();
    }
    void abort(const ApplicationBatch &b) override { events_.push_back("abort " + std::to_string(b.c().id)); }

private:
    Events &events_;
};

class FakeInput final : public BatchInput {
public:
    FakeInput(Events &events, const BatchRecord &batch) : events_(events) {
        for (const auto &r : batch.ranges) ranges.push_back({r, r.size(), r.size() * 10, r.until});
    }
    std::vector<RangeReport> ranges;
    std::optional<Error> failure;
    std::string metadata = "generation-7";
    Result<Read> read(const ApplicationBatch *batch) override {
        events_.push_back(batch ? "read with application" : "read");
        if (failure) return *failure;
        return Read{ranges, 5.0, batch ? 2.0 : 0.0};
    }
    Result<std::string> group_metadata() override { return metadata; }

private:
    Events &events_;
};

BatchRecord batch_of(int64_t id) { return {id, 1000 + id, false, {{{"orders", 0}, 10, 15}, {{"orders", 1}, 3, 3}}}; }

struct Harness {
    Events events;
    std::vector<BatchReport> reports;
    std::optional<Error> output_failure;
    FakeProgress progress{events};
    FakeApplication app{events};
    BatchRunner runner{{"direct", {}, std::chrono::milliseconds(100), {}}, progress, &app,
                       [this](const BatchReport &r) -> Status {
                           events.push_back("output " + std::to_string(r.id));
                           if (output_failure) return *output_failure;
                           reports.push_back(r);
                           return ok_status();
                       },
                       nullptr};

    Result<BatchEnd> run(const BatchRecord &batch, FakeInput &input) {
        const auto now = std::chrono::steady_clock::now();
        return runner.run(batch, input, {now, now, std::nullopt, {}});
    }
};

Error rebalanced() {
    return Error(ErrorKind::Kafka, "the group rebalanced").set_retriable().set_cause(Cause::Rebalanced);
}

} // namespace

TEST_CASE("a batch is planned, read into the application, committed, output, then completed") {
    Harness h;
    const auto batch = batch_of(4);
    FakeInput input(h.events, batch);
    auto end = h.run(batch, input);
    REQUIRE(end.ok());
    CHECK(*end == BatchEnd::Completed);
    CHECK(h.events == Events{"planned 4", "read with application", "commit 4", "output 4", "completed 4"});
    REQUIRE(h.reports.size() == 1);
    CHECK(h.reports[0].mode == "direct");
    CHECK(h.reports[0].records() == 5);
    CHECK(h.reports[0].durations.read_ms == 5.0);
    CHECK(h.reports[0].durations.process_ms == 2.0);
    CHECK(h.app.metadata_seen == "generation-7"); // taken for a transactional sink's offsets
}

TEST_CASE("a commit the group refused during a rebalance abandons the batch: aborted, not output, not completed") {
    Harness h;
    h.progress.can_abandon = true;
    h.app.refuse = rebalanced();
    const auto batch = batch_of(2);
    FakeInput input(h.events, batch);
    auto end = h.run(batch, input);
    REQUIRE(end.ok());
    CHECK(*end == BatchEnd::Abandoned); // the stream keeps its positions: the partitions' owner reads it again
    CHECK(h.events == Events{"planned 2", "read with application", "commit 2", "abort 2", "abandon 2"});
    CHECK(h.reports.empty());
}

TEST_CASE("a rebalance refusal the progress cannot drop (no group) stops the job with the refusal") {
    Harness h;
    h.app.refuse = rebalanced();
    const auto batch = batch_of(2);
    FakeInput input(h.events, batch);
    auto end = h.run(batch, input);
    REQUIRE_FALSE(end.ok());
    CHECK(end.error().cause == Cause::Rebalanced);
    CHECK(h.events.back() == "abandon 2");
    CHECK(h.reports.empty());
}

TEST_CASE("a commit refused for any other reason aborts the batch and stops the job with the error") {
    Harness h;
    h.progress.can_abandon = true; // a group could drop it, but the refusal is not the group's
    h.app.refuse = Error(ErrorKind::Application, "application 'sink' failed in commit: disk full");
    const auto batch = batch_of(9);
    FakeInput input(h.events, batch);
    auto end = h.run(batch, input);
    REQUIRE_FALSE(end.ok());
    CHECK(end.error().kind == ErrorKind::Application);
    CHECK(end.error().what.find("disk full") != std::string::npos);
    CHECK(h.events == Events{"planned 9", "read with application", "commit 9", "abort 9"});
}

TEST_CASE("a read failure aborts the batch and keeps its cause for the stream to decide") {
    for (const Cause cause : {Cause::OffsetOutOfRange, Cause::UnknownTopic, Cause::Interrupted}) {
        Harness h;
        const auto batch = batch_of(1);
        FakeInput input(h.events, batch);
        input.failure = Error(ErrorKind::Kafka, "read failed").set_cause(cause);
        auto end = h.run(batch, input);
        REQUIRE_FALSE(end.ok());
        CHECK(end.error().cause == cause);
        CHECK(h.events == Events{"planned 1", "read with application", "abort 1"}); // stays planned: re-run
    }
}

TEST_CASE("an output that fails leaves the batch planned, not completed") {
    Harness h;
    h.output_failure = Error(ErrorKind::Runtime, "stdout closed");
    const auto batch = batch_of(3);
    FakeInput input(h.events, batch);
    auto end = h.run(batch, input);
    REQUIRE_FALSE(end.ok());
    CHECK(end.error().what == "stdout closed");
    CHECK(h.events.back() == "output 3");
}

TEST_CASE("a batch the group aborted after its output (partitions revoked or lost) ends abandoned") {
    Harness h;
    h.progress.group_commits = false;
    const auto batch = batch_of(5);
    FakeInput input(h.events, batch);
    auto end = h.run(batch, input);
    REQUIRE(end.ok());
    CHECK(*end == BatchEnd::Abandoned);
    CHECK(h.reports.size() == 1);
}

TEST_CASE("without an application the records are only counted, and no group metadata is asked for") {
    Events events;
    FakeProgress progress(events);
    int outputs = 0;
    BatchRunner runner({"receiver", {}, std::chrono::milliseconds(100), {}}, progress, nullptr,
                       [&](const BatchReport &r) -> Status {
                           CHECK(r.mode == "receiver");
                           ++outputs;
                           return ok_status();
                       },
                       nullptr);
    const auto batch = batch_of(0);
    FakeInput input(events, batch);
    input.metadata = "unused";
    const auto now = std::chrono::steady_clock::now();
    auto end = runner.run(batch, input, {std::nullopt, now, std::nullopt, {}});
    REQUIRE(end.ok());
    CHECK(events == Events{"planned 0", "read", "completed 0"});
    CHECK(outputs == 1);
}

TEST_CASE("the backpressure rate learns only from batches due on the interval grid") {
    Events events;
    FakeProgress progress(events);
    BackpressureSettings backpressure;
    backpressure.enabled = true;
    backpressure.initial_rate = 1000;
    BatchRunner runner({"direct", backpressure, std::chrono::milliseconds(100), {}}, progress, nullptr,
                       [](const BatchReport &) -> Status { return ok_status(); }, nullptr);
    const auto batch = batch_of(0);
    FakeInput input(events, batch);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 5; ++i) { // off the grid (closed early, replayed): nothing to learn from
        auto end = runner.run(batch, input, {std::nullopt, start - std::chrono::seconds(10), std::nullopt, {}});
        REQUIRE(end.ok());
    }
    CHECK(runner.rate() == 1000.0);
    for (int i = 1; i <= 5; ++i) { // on the grid, 5 records taking 10 s each: far slower than 1000/s
        const auto due = start + std::chrono::milliseconds(100 * i);
        auto end = runner.run(batch, input, {due, due - std::chrono::seconds(10), std::nullopt, {}});
        REQUIRE(end.ok());
    }
    REQUIRE(runner.rate().has_value());
    CHECK(*runner.rate() < 1000.0);
}

TEST_CASE("a batch counts as in flight while it runs, so the first SIGINT says it waits for one") {
    Events events;
    FakeProgress progress{events};
    FakeApplication app{events};
    bool in_flight_at_output = false;
    BatchRunner runner{{"direct", {}, std::chrono::milliseconds(100), {}}, progress, &app,
                       [&](const BatchReport &) -> Status {
                           in_flight_at_output = BatchInFlight::any();
                           return ok_status();
                       },
                       nullptr};
    const auto batch = batch_of(5);
    FakeInput input(events, batch);
    CHECK_FALSE(BatchInFlight::any());
    const auto now = std::chrono::steady_clock::now();
    REQUIRE(runner.run(batch, input, {now, now, std::nullopt, {}}).ok());
    CHECK(in_flight_at_output);
    CHECK_FALSE(BatchInFlight::any());
}

namespace {

// Records how each batch ended, as the metrics endpoint hears it.
struct RecordingObserver final : BatchObserver {
    std::vector<std::tuple<int64_t, BatchOutcome, bool, int64_t>> ended; // id, outcome, replayed, records (-1: no report)
    void batch_ended(const BatchEnded &e) noexcept override {
        ended.emplace_back(e.batch.id, e.outcome, e.replayed, e.report ? e.report->records() : -1);
    }
};

struct ObservedHarness {
    Events events;
    RecordingObserver observer;
    FakeProgress progress{events};
    FakeApplication app{events};
    BatchRunner runner{{"direct", {}, std::chrono::milliseconds(100), {}, &observer}, progress, &app,
                       [](const BatchReport &) -> Status { return ok_status(); }, nullptr};
    Result<BatchEnd> run(const BatchRecord &batch, FakeInput &input, bool replayed = false) {
        const auto now = std::chrono::steady_clock::now();
        return runner.run(batch, input, {now, now, std::nullopt, {}, replayed});
    }
};

} // namespace

TEST_CASE("the observer hears every batch's end: committed with its report, refused as aborted, errors as failed") {
    ObservedHarness h;
    const auto ok = batch_of(1);
    FakeInput input(h.events, ok);
    REQUIRE(h.run(ok, input, true).ok());

    h.progress.can_abandon = true;
    h.app.refuse = rebalanced();
    const auto refused = batch_of(2);
    FakeInput refused_input(h.events, refused);
    REQUIRE(h.run(refused, refused_input).ok());

    h.app.refuse.reset();
    const auto failing = batch_of(3);
    FakeInput failing_input(h.events, failing);
    failing_input.failure = Error(ErrorKind::Kafka, "read failed");
    REQUIRE_FALSE(h.run(failing, failing_input).ok());

    REQUIRE(h.observer.ended.size() == 3);
    CHECK(h.observer.ended[0] == std::make_tuple(int64_t{1}, BatchOutcome::Committed, true, int64_t{5}));
    CHECK(h.observer.ended[1] == std::make_tuple(int64_t{2}, BatchOutcome::Aborted, false, int64_t{-1}));
    CHECK(h.observer.ended[2] == std::make_tuple(int64_t{3}, BatchOutcome::Failed, false, int64_t{-1}));
}
