// DirectStream in group mode (GroupOwnership + GroupProgress) over the fake member table: the
// group's rebalance events arrive from inside serve(), as the real plugin delivers them, and
// the tests check the batches output, the offsets the group accepted and the records the
// application committed.
#include "stream_job.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace streamsubmit;
using namespace streamsubmit::runtime;
using streamsubmit::test::offsets;
using streamsubmit::test::StreamJob;
using streamsubmit::test::tp;

using Ranges = std::vector<std::string>;

namespace {

std::vector<std::string> accepted(const test::FakeSourceState &source) {
    std::vector<std::string> out;
    for (const auto &c : source.group.commits) {
        std::string text = c.metadata.substr(0, c.metadata.find(" instance=")) + ":";
        for (const auto &[partition, offset] : c.offsets)
            text += " " + to_string(partition) + "=" + std::to_string(offset);
        out.push_back(text);
    }
    return out;
}

} // namespace

TEST_CASE("group: an assignment adds a partition at the group's committed offset; a revocation removes it") {
    StreamJob job(StreamJob::Mode::Group);
    job.options.max_batches = 3;
    job.source.group.events.push_back({SS_REBALANCE_ASSIGN, {tp(0)}});
    job.source.group.committed[tp(1)] = 6; // another instance read t-1 up to 6
    job.on_report = [&](const BatchReport &report) {
        if (report.id == 0) job.source.push_event(SS_REBALANCE_ASSIGN, {tp(1)});
        if (report.id == 1) job.source.push_event(SS_REBALANCE_REVOKE, {tp(0)});
    };
    REQUIRE(job.run().ok());
    CHECK(job.report_ids() == std::vector<int64_t>{0, 1, 2});
    CHECK(job.ranges_of(0) == Ranges{"[0,3)", "[3,6)", ""});
    CHECK(job.ranges_of(1) == Ranges{"", "[6,9)", "[9,10)"});
    CHECK(accepted(job.source) ==
          std::vector<std::string>{"batch=0: t-0=3", "batch=1: t-0=6 t-1=9", "batch=2: t-1=10"});
    CHECK(job.delivered(0) == offsets(0, 6));
    CHECK(job.delivered(1) == offsets(6, 10));
    for (const auto &r : job.source.reads) {
        CHECK_FALSE((r.tp == tp(1) && r.from < 6)); // never read what the group had committed
        CHECK_FALSE((r.tp == tp(0) && r.from >= 6)); // never read after the revocation
    }
    CHECK(job.source.group.topics == std::vector<std::string>{"t"});
}

TEST_CASE("group: a commit refused as fenced, then the assignment lost, aborts the batch: its offsets are not "
          "committed and the partitions restart at the group's offsets") {
    StreamJob job(StreamJob::Mode::Group);
    job.options.max_batches = 3;
    job.source.group.events.push_back({SS_REBALANCE_ASSIGN, {tp(0), tp(1)}});
    job.source.script["group_commit"] = {SS_OK, SS_ERR_FENCED};
    job.on_report = [&](const BatchReport &report) {
        if (report.id != 1) return;
        // While batch 1 is committed: the session expired, then the group gives the partitions back.
        job.source.push_event(SS_REBALANCE_LOST, {tp(0), tp(1)});
        job.source.push_event(SS_REBALANCE_ASSIGN, {tp(0), tp(1)});
    };
    REQUIRE(job.run().ok());
    CHECK(job.report_ids() == std::vector<int64_t>{0, 1, 2});
    for (int32_t p : {0, 1}) {
        CAPTURE(p);
        CHECK(job.ranges_of(p) == Ranges{"[0,3)", "[3,6)", "[3,6)"}); // batch 1's records are read again
    }
    CHECK(accepted(job.source) == std::vector<std::string>{"batch=0: t-0=3 t-1=3", "batch=2: t-0=6 t-1=6"});
    // Lost: no commit is tried for batch 1 once the partitions may be another member's.
    CHECK(std::count(job.source.calls.begin(), job.source.calls.end(), "group_commit 2") == 3);
    CHECK(job.warned("batch 1 aborted, not committed to group g"));
}

TEST_CASE("group: a revocation while a refused batch waits commits it, or aborts it when refused again") {
    StreamJob job(StreamJob::Mode::Group);
    job.options.max_batches = 3;
    job.source.group.events.push_back({SS_REBALANCE_ASSIGN, {tp(0), tp(1)}});
    job.on_report = [&](const BatchReport &report) {
        if (report.id == 1) job.source.push_event(SS_REBALANCE_REVOKE, {tp(1)});
    };
    SUBCASE("the commit inside the revocation is accepted") {
        job.source.script["group_commit"] = {SS_OK, SS_ERR_FENCED, SS_OK};
        REQUIRE(job.run().ok());
        CHECK(accepted(job.source) == std::vector<std::string>{"batch=0: t-0=3 t-1=3", "batch=1: t-0=6 t-1=6",
                                                               "batch=2: t-0=9"});
        CHECK(job.ranges_of(0) == Ranges{"[0,3)", "[3,6)", "[6,9)"});
    }
    SUBCASE("the commit inside the revocation is refused too") {
        job.source.script["group_commit"] = {SS_OK, SS_ERR_FENCED, SS_ERR_FENCED};
        REQUIRE(job.run().ok());
        CHECK(accepted(job.source) == std::vector<std::string>{"batch=0: t-0=3 t-1=3", "batch=2: t-0=6"});
        CHECK(job.ranges_of(0) == Ranges{"[0,3)", "[3,6)", "[3,6)"}); // t-0, still owned, restarts at the group's 3
        CHECK(job.warned("batch 1 aborted, not committed to group g"));
    }
    CHECK(job.ranges_of(1) == Ranges{"[0,3)", "[3,6)", ""});
}

TEST_CASE("group: a batch the application's commit refuses as rebalanced is abandoned; the next plans the same "
          "offsets") {
    StreamJob job(StreamJob::Mode::Group);
    job.options.max_batches = 3;
    job.source.group.events.push_back({SS_REBALANCE_ASSIGN, {tp(0), tp(1)}});
    job.app.commit_results = {SS_OK, SS_ERR_REBALANCED};
    REQUIRE(job.run().ok());
    CHECK(job.report_ids() == std::vector<int64_t>{0, 2}); // batch 1 was not output
    for (int32_t p : {0, 1}) {
        CAPTURE(p);
        CHECK(job.ranges_of(p) == Ranges{"[0,3)", "[3,6)"});
        CHECK(job.delivered(p) == offsets(0, 6)); // batch 1's records were dropped at its abort, read again by 2
    }
    CHECK(accepted(job.source) == std::vector<std::string>{"batch=0: t-0=3 t-1=3", "batch=2: t-0=6 t-1=6"});
    std::vector<std::string> ends; // the driver's calls (finish_range runs on the reader threads)
    for (const auto &call : job.app.calls)
        if (!call.starts_with("finish")) ends.push_back(call);
    CHECK(ends == std::vector<std::string>{"commit 0", "commit 1", "abort 1", "commit 2"});
    CHECK(job.warned("batch 1 aborted, not committed to group g"));
}

TEST_CASE("group: a first batch refused as rebalanced, before the group has offsets, is planned again from the "
          "same offsets") {
    StreamJob job(StreamJob::Mode::Group);
    job.options.max_batches = 2;
    job.source.group.events.push_back({SS_REBALANCE_ASSIGN, {tp(0), tp(1)}});
    job.app.commit_results = {SS_ERR_REBALANCED};
    REQUIRE(job.run().ok());
    CHECK(job.report_ids() == std::vector<int64_t>{1});
    CHECK(job.ranges_of(0) == Ranges{"[0,3)"});
    CHECK(job.delivered(0) == offsets(0, 3));
    CHECK(accepted(job.source) == std::vector<std::string>{"batch=1: t-0=3 t-1=3"});
}

// A transactional sink sends the batch's offsets with its output: the group may hold them
// although the sink then answers that the group refused the batch (or another member's since).
TEST_CASE("group: after a batch refused as rebalanced, its partitions restart at the group's committed offsets") {
    StreamJob job(StreamJob::Mode::Group);
    job.options.max_batches = 3;
    job.source.group.events.push_back({SS_REBALANCE_ASSIGN, {tp(0), tp(1)}});
    job.app.commit_results = {SS_OK, SS_ERR_REBALANCED};
    job.app.on_commit = [&](int64_t batch) {
        if (batch != 1) return;
        std::lock_guard lock(job.source.mutex);
        job.source.group.committed[tp(0)] = 6; // batch 1's offset of t-0 reached the group with the output
    };
    REQUIRE(job.run().ok());
    CHECK(job.report_ids() == std::vector<int64_t>{0, 2});
    CHECK(job.ranges_of(0) == Ranges{"[0,3)", "[6,9)"});
    CHECK(job.ranges_of(1) == Ranges{"[0,3)", "[3,6)"});
}

TEST_CASE("group: each batch hands the member's group metadata to the application and commits with metadata "
          "naming it") {
    StreamJob job(StreamJob::Mode::Group);
    job.options.max_batches = 1;
    job.source.group.events.push_back({SS_REBALANCE_ASSIGN, {tp(0), tp(1)}});
    job.source.group.metadata = "generation-42";
    REQUIRE(job.run().ok());
    REQUIRE(job.source.group.commits.size() == 1);
    CHECK(job.source.group.commits[0].metadata.starts_with("batch=0 instance=instance-1 time="));
    CHECK(job.app.group_metadata[0] == "generation-42"); // what a transactional sink sends with its offsets
}

// The files sink with rolling in group mode: a partition gained in a rebalance continues where
// the shared directory's rolled files end, behind the group's committed offset (the previous
// owner's open file was never rolled): the sink's answer wins and those records are read again.
TEST_CASE("group: a gained partition starts where the application's recover says, behind the group's offset") {
    StreamJob job(StreamJob::Mode::Group);
    job.options.max_batches = 2;
    job.source.group.events.push_back({SS_REBALANCE_ASSIGN, {tp(0), tp(1)}});
    job.source.group.committed[tp(1)] = 6;
    job.app.recover = [&](const TopicPartition &tp, int64_t &offset) {
        if (tp.partition == 1) offset = 4;
    };
    REQUIRE(job.run().ok());
    CHECK(job.ranges_of(1) == Ranges{"[4,7)", "[7,10)"});
    CHECK(job.delivered(1) == offsets(4, 10));
}
