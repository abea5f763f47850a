// Rejected records (ABI 2.2 reject): the per-batch bookkeeping, the dead letters built from
// them (original bytes, then the __streamsubmit.errors.* headers), and how the batch loop
// ends a batch with rejections: counted, dead-lettered before the commit, or failed.
#include "runtime/batch/batch_runner.h"
#include "runtime/batch/dead_letter_queue.h"
#include "runtime/plugin/rejections.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

using namespace streamsubmit;
using namespace streamsubmit::runtime;

namespace {

const std::string kKey("k\0ey", 4); // bytes, not text: an embedded NUL survives
const std::string kValue = "POISON 17";

// A record as a source hands it over: key, value, a repeated header name, a null header value.
struct SourceRecord {
    std::vector<ss_header> headers{{"trace", "abc", 3}, {"trace", "", 0}, {"nullable", nullptr, 0}};
    ss_record c{};
    SourceRecord(int64_t offset = 42) {
        c.struct_size = sizeof(ss_record);
        c.topic = "orders";
        c.partition = 3;
        c.offset = offset;
        c.timestamp_ms = 1700000000123;
        c.timestamp_type = SS_TIMESTAMP_CREATE_TIME;
        c.key = kKey.data();
        c.key_len = kKey.size();
        c.value = kValue.data();
        c.value_len = kValue.size();
        c.headers = headers.data();
        c.header_count = headers.size();
        c.header_stride = sizeof(ss_header);
    }
};

RejectedRecord rejected(int64_t offset = 42) {
    SourceRecord r(offset);
    return RejectedRecord::copy_of(r.c, SS_STAGE_APPLICATION, "ValueError", "bad price");
}

std::string text(const void *p, size_t n) { return std::string(static_cast<const char *>(p), n); }

} // namespace

TEST_CASE("a rejected record is copied byte for byte: null and empty stay apart, headers keep order and repeats") {
    SourceRecord source;
    source.c.key = nullptr; // Kafka's null key
    source.c.key_len = 0;
    const auto r = RejectedRecord::copy_of(source.c, SS_STAGE_DECODE, nullptr, nullptr);
    CHECK(r.topic == "orders");
    CHECK(r.partition == 3);
    CHECK(r.offset == 42);
    CHECK_FALSE(r.key.has_value());
    CHECK(r.value == kValue);
    REQUIRE(r.headers.size() == 3);
    CHECK(r.headers[0].name == "trace");
    CHECK(r.headers[0].value == "abc");
    CHECK(r.headers[1].value == ""); // empty, not null
    CHECK_FALSE(r.headers[2].value.has_value());
    CHECK(r.error_class.empty());
    CHECK(describe(r) == "orders-3@42 (decode): no reason given");
    CHECK(RejectedRecord::copy_of(SourceRecord().c, SS_STAGE_APPLICATION, nullptr, nullptr).key == kKey);
}

TEST_CASE("with tolerance=none the first rejection is the batch's failure (exit 8), naming the record") {
    Rejections list;
    const auto st = list.add(RejectPolicy{}, 7, rejected());
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().kind == ErrorKind::Application);
    CHECK(st.error().what ==
          "rejected record orders-3@42 (application, ValueError): bad price; stream.errors.tolerance=none fails the batch");
    CHECK(st.error().input == "stream.errors.tolerance=none");
    REQUIRE(list.refusal().has_value());
    CHECK(list.take().empty());
}

TEST_CASE("with tolerance=all rejections are kept in order, up to stream.errors.maxPerBatch") {
    const RejectPolicy policy{true, 2, false};
    Rejections list;
    CHECK(list.add(policy, 7, rejected(1)).ok());
    CHECK(list.add(policy, 7, rejected(2)).ok());
    CHECK_FALSE(list.refusal().has_value());
    const auto third = list.add(policy, 7, rejected(3));
    REQUIRE_FALSE(third.ok());
    CHECK(third.error().kind == ErrorKind::Application);
    CHECK(third.error().what == "batch 7 rejected more than stream.errors.maxPerBatch (2) records");
    CHECK_FALSE(list.add(policy, 7, rejected(4)).ok()); // the refusal sticks
    const auto kept = list.take();
    REQUIRE(kept.size() == 2);
    CHECK(kept[0].offset == 1);
    CHECK(kept[1].offset == 2);

    Rejections unlimited;
    for (int i = 0; i < 5000; ++i) REQUIRE(unlimited.add({true, 0, false}, 1, rejected(i)).ok());
    CHECK(unlimited.size() == 5000);
}

TEST_CASE("the context headers name the source, the stage, the error, the job and the batch") {
    const auto headers = context_headers(rejected(), "billing", 12);
    std::map<std::string, std::string> by_name;
    for (const auto &h : headers) by_name[h.name] = h.value.value_or("<null>");
    CHECK(by_name == std::map<std::string, std::string>{{"__streamsubmit.errors.topic", "orders"},
                                                         {"__streamsubmit.errors.partition", "3"},
                                                         {"__streamsubmit.errors.offset", "42"},
                                                         {"__streamsubmit.errors.stage", "application"},
                                                         {"__streamsubmit.errors.exception.class.name", "ValueError"},
                                                         {"__streamsubmit.errors.exception.message", "bad price"},
                                                         {"__streamsubmit.errors.job.name", "billing"},
                                                         {"__streamsubmit.errors.batch.id", "12"}});
    CHECK(stage_name(SS_STAGE_SINK) == std::string("sink"));
    CHECK(stage_name(SS_STAGE_DECODE) == std::string("decode"));
}

TEST_CASE("a dead letter is the original record, its headers first, then the context headers when enabled") {
    const auto r = rejected();
    DeadLetter letter;
    build_dead_letter(r, {"dlq", true, "billing"}, 12, letter);
    const ss_record &c = letter.c;
    CHECK(text(c.key, c.key_len) == kKey);
    CHECK(text(c.value, c.value_len) == kValue);
    CHECK(c.timestamp_ms == 1700000000123);
    REQUIRE(c.header_count == 3 + 8);
    CHECK(std::string(ss_header_at(&c, 0)->name) == "trace");
    CHECK(text(ss_header_at(&c, 0)->value, ss_header_at(&c, 0)->value_len) == "abc");
    CHECK(ss_header_at(&c, 1)->value != nullptr); // empty stays empty
    CHECK(ss_header_at(&c, 1)->value_len == 0);
    CHECK(ss_header_at(&c, 2)->value == nullptr); // null stays null
    CHECK(std::string(ss_header_at(&c, 3)->name) == "__streamsubmit.errors.topic");

    DeadLetter bare;
    build_dead_letter(r, {"dlq", false, "billing"}, 12, bare);
    CHECK(bare.c.header_count == 3);

    RejectedRecord tombstone = r;
    tombstone.value.reset();
    tombstone.headers.clear();
    DeadLetter t;
    build_dead_letter(tombstone, {"dlq", false, "billing"}, 12, t);
    CHECK(t.c.value == nullptr);
    CHECK(t.c.headers == nullptr);
}

TEST_CASE("an ss_batch leads back to this host's batch only when the host made it") {
    ApplicationBatch batch(5, 1000, "direct", {});
    CHECK(ApplicationBatch::of(&batch.c()) == &batch);
    // Another host's batch, as large as this host's view (of() reads the tag behind the C struct;
    // a bare ss_batch would be read past its end).
    struct {
        ss_batch c;
        const void *tag;
        void *owner;
    } foreign{};
    CHECK(ApplicationBatch::of(&foreign.c) == nullptr);
    CHECK(ApplicationBatch::of(nullptr) == nullptr);
}

namespace {

using Events = std::vector<std::string>;

class NullProgress final : public ProgressStore {
public:
    explicit NullProgress(Events &events) : events_(events) {}
    Result<Resume> resume() override { return Resume{}; }
    Result<OffsetMap> stored_positions(const std::vector<TopicPartition> &) override { return OffsetMap{}; }
    Status planned(const BatchRecord &) override { return ok_status(); }
    bool abandon(const BatchRecord &, const std::string &) override { return false; }
    Result<bool> completed(const BatchRecord &b) override {
        events_.push_back("completed " + std::to_string(b.id));
        return true;
    }

private:
    Events &events_;
};

class EventApplication final : public BatchApplication {
public:
    explicit EventApplication(Events &events) : events_(events) {}
    Status commit(const ApplicationBatch &b) override {
        events_.push_back("commit " + std::to_string(b.id()));
        return ok_status();
    }
    void abort(const ApplicationBatch &b) override { events_.push_back("abort " + std::to_string(b.id())); }

private:
    Events &events_;
};

// Rejects, as the application's reject calls would, the given offsets of the batch.
class RejectingInput final : public BatchInput {
public:
    RejectingInput(RejectPolicy policy, std::vector<int64_t> offsets) : policy_(policy), offsets_(std::move(offsets)) {}
    Result<Read> read(const ApplicationBatch *batch) override {
        for (const auto offset : offsets_) static_cast<void>(batch->rejections().add(policy_, batch->id(), rejected(offset)));
        return Read{{{{{"orders", 3}, 0, 10}, 10, 100, 10}}, 1.0, 1.0};
    }

private:
    RejectPolicy policy_;
    std::vector<int64_t> offsets_;
};

class FakeWriter final : public DeadLetterWriter {
public:
    FakeWriter(Events &events, std::vector<std::string> &values) : events_(events), values_(values) {}
    std::optional<Error> failure;
    Status write(const ApplicationBatch &batch, const std::string &topic, const ss_record *records,
                 size_t count) override {
        events_.push_back("dead letters " + std::to_string(batch.id()) + " to " + topic + ": " + std::to_string(count));
        for (size_t i = 0; i < count; ++i) values_.push_back(text(records[i].value, records[i].value_len));
        if (failure) return *failure;
        return ok_status();
    }
    void abort(const ApplicationBatch &batch) override { events_.push_back("dead letters abort " + std::to_string(batch.id())); }

private:
    Events &events_;
    std::vector<std::string> &values_;
};

struct Loop {
    Events events;
    std::vector<std::string> values;
    std::vector<BatchReport> reports;
    NullProgress progress{events};
    EventApplication app{events};
    FakeWriter *writer = nullptr;
    std::unique_ptr<DeadLetterQueue> queue;

    explicit Loop(bool with_queue) {
        if (!with_queue) return;
        auto w = std::make_unique<FakeWriter>(events, values);
        writer = w.get();
        queue = std::make_unique<DeadLetterQueue>(DeadLetterSettings{"orders-dlq", true, "job"}, std::move(w));
    }
    Result<BatchEnd> run(BatchInput &input) {
        BatchRunner runner({"direct", {}, std::chrono::milliseconds(100), {}, nullptr, queue.get()}, progress, &app,
                           [this](const BatchReport &r) -> Status {
                               reports.push_back(r);
                               return ok_status();
                           },
                           nullptr);
        const auto now = std::chrono::steady_clock::now();
        return runner.run({8, 1008, false, {{{"orders", 3}, 0, 10}}}, input, {now, now, std::nullopt, {}});
    }
};

} // namespace

TEST_CASE("tolerated rejections go to the dead-letter queue before the commit and are counted in the report") {
    Loop loop(true);
    RejectingInput input({true, 0, false}, {2, 7});
    auto end = loop.run(input);
    REQUIRE(end.ok());
    CHECK(loop.events == Events{"dead letters 8 to orders-dlq: 2", "commit 8", "completed 8"});
    CHECK(loop.values == std::vector<std::string>{kValue, kValue});
    REQUIRE(loop.reports.size() == 1);
    CHECK(loop.reports[0].rejected == 2);
    CHECK(nlohmann::json::parse(format_json(loop.reports[0]))["rejected"] == 2);
}

TEST_CASE("without a dead-letter topic tolerated rejections are only counted; none rejected: nothing to write") {
    Loop counted(false);
    RejectingInput two({true, 0, false}, {2, 7});
    REQUIRE(counted.run(two).ok());
    CHECK(counted.reports.at(0).rejected == 2);

    Loop clean(true);
    RejectingInput none({true, 0, false}, {});
    REQUIRE(clean.run(none).ok());
    CHECK(clean.events == Events{"commit 8", "completed 8"});
    CHECK(nlohmann::json::parse(format_json(clean.reports.at(0)))["rejected"] == 0);
}

TEST_CASE("a rejection the job does not tolerate, or one past maxPerBatch, fails the batch before any dead letter") {
    for (const RejectPolicy policy : {RejectPolicy{false, 0, false}, RejectPolicy{true, 1, false}}) {
        Loop loop(true);
        RejectingInput input(policy, {2, 7});
        auto end = loop.run(input);
        REQUIRE_FALSE(end.ok());
        CHECK(end.error().kind == ErrorKind::Application);
        CHECK(loop.events == Events{"dead letters abort 8", "abort 8"}); // stays planned, nothing written
        CHECK(loop.reports.empty());
    }
}

TEST_CASE("a dead-letter topic that cannot be written fails the batch with its error, uncommitted") {
    Loop loop(true);
    loop.writer->failure = Error(ErrorKind::Kafka, "the dead-letter topic orders-dlq does not exist");
    RejectingInput input({true, 0, false}, {2});
    auto end = loop.run(input);
    REQUIRE_FALSE(end.ok());
    CHECK(end.error().kind == ErrorKind::Kafka);
    CHECK(loop.events == Events{"dead letters 8 to orders-dlq: 1", "dead letters abort 8", "abort 8"});
}
