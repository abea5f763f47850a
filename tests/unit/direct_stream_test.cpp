// DirectStream in checkpoint mode over the fake source table: batches, re-plans, retries and
// stops, judged by the reports output and the records the application committed.
#include "stream_job.h"
#include "temp_dir.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace streamsubmit;
using namespace streamsubmit::runtime;
using streamsubmit::test::offsets;
using streamsubmit::test::StreamJob;

using Ranges = std::vector<std::string>;

TEST_CASE("direct: --max-batches N runs N batches that cover each partition's [0, end) once, contiguously") {
    StreamJob job;
    job.options.max_batches = 4; // 3 records per partition per batch: [0,3) [3,6) [6,9) [9,10)
    REQUIRE(job.run().ok());
    CHECK(job.report_ids() == std::vector<int64_t>{0, 1, 2, 3});
    for (int32_t p : {0, 1}) {
        CAPTURE(p);
        CHECK(job.ranges_of(p) == Ranges{"[0,3)", "[3,6)", "[6,9)", "[9,10)"});
        CHECK(job.delivered(p) == offsets(0, 10)); // every record reached the application once
    }
    for (const auto &report : job.reports)
        for (const auto &r : report.ranges) CHECK(r.records == r.range.size());
    CHECK(job.app.open.empty()); // nothing processed was left uncommitted
}

TEST_CASE("direct: a read of offsets retention removed is planned again from the earliest (failOnDataLoss=false)") {
    StreamJob job;
    job.options.max_batches = 3;
    job.options.fail_on_data_loss = false;
    int reads = 0;
    // Batch 1 is planned from offset 3; as its first read starts, retention deletes 0..4.
    job.source.on_call = [&](const std::string &call) {
        if (call.starts_with("read_ranges") && ++reads == 3) job.source.earliest = 5;
    };
    REQUIRE(job.run().ok());
    CHECK(job.report_ids() == std::vector<int64_t>{0, 1, 2}); // the failed batch 1 was planned anew, same id
    for (int32_t p : {0, 1}) {
        CAPTURE(p);
        CHECK(job.ranges_of(p) == Ranges{"[0,3)", "[5,8)", "[8,10)"});
        std::vector<int64_t> expected = offsets(0, 3);
        for (int64_t o : offsets(5, 10)) expected.push_back(o);
        CHECK(job.delivered(p) == expected);
    }
    CHECK(job.warned("planning the batch again from the earliest offsets"));
    CHECK(job.warned("data loss: 2 records of t-"));
    CHECK(std::count(job.app.calls.begin(), job.app.calls.end(), "abort 1") == 1);
}

TEST_CASE("direct: a read of offsets retention removed stops the job with failOnDataLoss=true") {
    StreamJob job;
    job.options.max_batches = 3;
    int reads = 0;
    job.source.on_call = [&](const std::string &call) {
        if (call.starts_with("read_ranges") && ++reads == 3) job.source.earliest = 5;
    };
    auto result = job.run();
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().cause == Cause::OffsetOutOfRange);
    CHECK(job.report_ids() == std::vector<int64_t>{0});
    CHECK(job.delivered(0) == offsets(0, 3));
}

TEST_CASE("direct: a retriable read failure re-runs the batch with the same ranges") {
    StreamJob job;
    job.options.limits.max_rate_per_partition = 0; // each batch reads up to the latest offset
    job.options.max_batches = 3;
    // Batch 0 reads [0,10); the log then grows to 20 and batch 1 is planned [10,20). Its first
    // read fails (no broker answered) while the log grows to 30: planned anew it would read
    // [10,30), re-run it reads [10,20) again.
    job.on_report = [&](const BatchReport &report) {
        if (report.id != 0) return;
        std::lock_guard lock(job.source.mutex);
        job.source.end = 20;
    };
    job.source.script["read_ranges"] = {SS_OK, SS_OK, SS_ERR_UNREACHABLE};
    int reads = 0;
    job.source.on_call = [&](const std::string &call) {
        if (call.starts_with("read_ranges") && ++reads == 3) job.source.end = 30;
    };
    REQUIRE(job.run().ok());
    CHECK(job.report_ids() == std::vector<int64_t>{0, 1, 2});
    for (int32_t p : {0, 1}) {
        CAPTURE(p);
        CHECK(job.ranges_of(p) == Ranges{"[0,10)", "[10,20)", "[20,30)"});
        CHECK(job.delivered(p) == offsets(0, 30));
    }
    CHECK(job.warned("; retrying"));
    // Every read of batch 1 asked for the same range, the failed one and its re-run.
    for (const auto &r : job.source.reads)
        if (r.from >= 10 && r.from < 20) CHECK(r.until == 20);
}

TEST_CASE("direct: a stop requested between batches ends run() without waiting for the next batch") {
    for (const auto mode : {StreamJob::Mode::Checkpoint, StreamJob::Mode::Group}) {
        CAPTURE(static_cast<int>(mode));
        StreamJob job(mode);
        job.options.limits.batch_interval = std::chrono::minutes(1);
        job.options.limits.max_rate_per_partition = 0;
        job.source.group.events.push_back({SS_REBALANCE_ASSIGN, {test::tp(0), test::tp(1)}});
        auto run = job.start();
        REQUIRE(job.wait_for_reports(1));
        job.stop.request(); // from this thread, while the driver waits a minute for the next batch
        REQUIRE(run.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
        CHECK(run.get().ok());
        CHECK(job.report_ids() == std::vector<int64_t>{0});
        CHECK(job.delivered(0) == offsets(0, 10));
    }
}

// A stop asks the job to finish the batch in flight, not to abandon it (SIGTERM's contract:
// "stopping after the batch in flight"); a read that never ends is bounded by stream.stopTimeout
// in cli/ (StopDeadline), which exits the process.
TEST_CASE("direct: a stop requested while a read blocks finishes that batch, then run() returns") {
    StreamJob job;
    job.source.block_reads = true;
    auto run = job.start();
    REQUIRE(job.source.wait_for([&] { return job.source.blocked_reads == 2; })); // both readers wait
    job.stop.request();
    job.source.release_reads(); // the batch's records arrive
    REQUIRE(run.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    CHECK(run.get().ok());
    CHECK(job.report_ids() == std::vector<int64_t>{0});
    CHECK(job.delivered(0) == offsets(0, 3));
    CHECK(job.delivered(1) == offsets(0, 3));
    CHECK(job.source.reads.size() == 2); // no read of a next batch was started
}

TEST_CASE("direct: a reader that fails interrupts the others' blocked reads; the batch fails with its cause") {
    StreamJob job;
    job.source.block_reads = true;
    auto run = job.start();
    REQUIRE(job.source.wait_for([&] { return job.source.blocked_reads == 2; }));
    job.source.fail_blocked_read(0, SS_ERR_BROKER); // t-0's reader fails; t-1's waits until interrupted
    const bool stopped = run.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
    if (!stopped) job.source.release_reads(); // let the job end before failing the test
    REQUIRE(stopped);
    auto result = run.get();
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().what.find("fake: the blocked read failed") != std::string::npos); // the root cause
    CHECK(result.error().cause != Cause::Interrupted);
    CHECK(job.reports.empty());
    CHECK(job.app.calls == std::vector<std::string>{"abort 0"});
    CHECK(job.app.delivered.empty());
}

// A sink that keeps its own progress and rolls files across batches (the files sink with
// sink.files.roll*) may be behind the checkpoint after a crash: the batches after its last
// rolled file completed, but their records sat in a file that was never renamed. Its recover
// answer wins in that direction too, and those records are read again.
TEST_CASE("direct: an application's recover behind the checkpoint wins: the records after it are read again") {
    testing::TempDir checkpoint;
    {
        StreamJob first;
        first.checkpoint = checkpoint.path;
        first.options.max_batches = 2; // [0,3) [3,6) of both partitions complete in the checkpoint
        REQUIRE(first.run().ok());
        CHECK(first.delivered(0) == offsets(0, 6));
    }
    StreamJob again;
    again.checkpoint = checkpoint.path;
    again.options.max_batches = 2;
    std::vector<std::string> asked;
    again.app.recover = [&](const TopicPartition &tp, int64_t &offset) {
        asked.push_back(to_string(tp) + "=" + std::to_string(offset));
        if (tp.partition == 0) offset = 2; // the sink's files hold t-0 up to 2 only
    };
    REQUIRE(again.run().ok());
    CHECK(asked == std::vector<std::string>{"t-0=6", "t-1=6"});
    CHECK(again.ranges_of(0) == Ranges{"[2,5)", "[5,8)"});
    CHECK(again.ranges_of(1) == Ranges{"[6,9)", "[9,10)"});
    CHECK(again.delivered(0) == offsets(2, 8));
}
