// stream.errors.deadletterqueue.topic: a batch's rejected records produced to the dead-letter
// topic before the batch commits, each with its original key, value and headers, byte for
// byte, then (stream.errors.deadletterqueue.context.headers.enable) the __streamsubmit.errors.*
// headers saying where it came from and why (Kafka Connect's __connect.errors.*).
// Where they are produced is a DeadLetterWriter: the job's own output when it can put them in
// the batch's transaction (the transactional Kafka sink), else a producer of the Kafka sink
// plugin of its own (idempotent, flushed before the batch commits).
#pragma once

#include "common/error.h"
#include "runtime/plugin/application.h"
#include "runtime/plugin/rejections.h"

#include <memory>
#include <string>
#include <vector>

namespace streamsubmit::runtime {

// Where dead letters go: an application with write_dead_letters (ABI 2.2).
class DeadLetterWriter {
public:
    virtual ~DeadLetterWriter() = default;
    // Driver thread, before the batch's commit: when this returns, the records are durable
    // (own producer) or part of the batch's open transaction (the job's output).
    virtual Status write(const ApplicationBatch &batch, const std::string &topic, const ss_record *records,
                         size_t count) = 0;
    virtual void abort(const ApplicationBatch &) {}
};

// The job's application puts them into its own output (in the batch's transaction).
class OutputDeadLetters final : public DeadLetterWriter {
public:
    explicit OutputDeadLetters(Application &application) : application_(application) {}
    Status write(const ApplicationBatch &batch, const std::string &topic, const ss_record *records,
                 size_t count) override;

private:
    Application &application_;
};

// A producer of their own (a Kafka sink instance): written and flushed (its commit) at once.
class ProducerDeadLetters final : public DeadLetterWriter {
public:
    explicit ProducerDeadLetters(std::unique_ptr<Application> producer) : producer_(std::move(producer)) {}
    Status write(const ApplicationBatch &batch, const std::string &topic, const ss_record *records,
                 size_t count) override;
    void abort(const ApplicationBatch &batch) override { producer_->abort(batch); }

private:
    std::unique_ptr<Application> producer_;
};

struct DeadLetterSettings {
    std::string topic;
    bool context_headers = true;
    std::string job_name; // stream.name
};

// The name and value of each __streamsubmit.errors.* header of one dead letter.
std::vector<RejectedRecord::Header> context_headers(const RejectedRecord &record, const std::string &job_name,
                                                    int64_t batch_id);

// A dead letter as a record: the original's key, value, timestamp and headers, then the
// context headers when asked for. Points into `record` and `headers`, which must outlive it.
struct DeadLetter {
    ss_record c{};
    std::vector<ss_header> c_headers;
    std::vector<RejectedRecord::Header> context; // owns the context headers' text
};
void build_dead_letter(const RejectedRecord &record, const DeadLetterSettings &settings, int64_t batch_id,
                       DeadLetter &out);

class DeadLetterQueue {
public:
    DeadLetterQueue(DeadLetterSettings settings, std::unique_ptr<DeadLetterWriter> writer)
        : settings_(std::move(settings)), writer_(std::move(writer)) {}
    // The batch's rejected records to the topic; an error fails the batch (exit 4 when the
    // topic cannot be written).
    Status write(const ApplicationBatch &batch, const std::vector<RejectedRecord> &records);
    void abort(const ApplicationBatch &batch) { writer_->abort(batch); }
    const std::string &topic() const { return settings_.topic; }

private:
    DeadLetterSettings settings_;
    std::unique_ptr<DeadLetterWriter> writer_;
};

} // namespace streamsubmit::runtime
