#include "runtime/batch/dead_letter_queue.h"

#include <deque>

namespace streamsubmit::runtime {

Status OutputDeadLetters::write(const ApplicationBatch &batch, const std::string &topic, const ss_record *records,
                                size_t count) {
    return application_.write_dead_letters(batch, topic, records, count);
}

Status ProducerDeadLetters::write(const ApplicationBatch &batch, const std::string &topic, const ss_record *records,
                                  size_t count) {
    if (auto st = producer_->write_dead_letters(batch, topic, records, count); !st) return st;
    // The producer's commit is its flush: every dead letter acknowledged before the batch commits.
    if (auto st = producer_->commit(batch); !st) {
        Error e = st.error();
        e.kind = ErrorKind::Kafka;
        e.input = "stream.errors.deadletterqueue.topic=" + topic;
        return e;
    }
    return ok_status();
}

std::vector<RejectedRecord::Header> context_headers(const RejectedRecord &r, const std::string &job_name,
                                                    int64_t batch_id) {
    const std::string p = "__streamsubmit.errors.";
    return {{p + "topic", r.topic},
            {p + "partition", std::to_string(r.partition)},
            {p + "offset", std::to_string(r.offset)},
            {p + "stage", stage_name(r.stage)},
            {p + "exception.class.name", r.error_class},
            {p + "exception.message", r.reason},
            {p + "job.name", job_name},
            {p + "batch.id", std::to_string(batch_id)}};
}

void build_dead_letter(const RejectedRecord &r, const DeadLetterSettings &settings, int64_t batch_id,
                       DeadLetter &out) {
    if (settings.context_headers) out.context = context_headers(r, settings.job_name, batch_id);
    out.c_headers.clear();
    out.c_headers.reserve(r.headers.size() + out.context.size());
    auto add = [&](const RejectedRecord::Header &h) {
        out.c_headers.push_back(
            {h.name.c_str(), h.value ? h.value->data() : nullptr, h.value ? h.value->size() : size_t{0}});
    };
    for (const auto &h : r.headers) add(h);
    for (const auto &h : out.context) add(h);
    ss_record &c = out.c;
    c = ss_record{};
    c.struct_size = sizeof(ss_record);
    c.topic = r.topic.c_str();
    c.partition = r.partition;
    c.offset = r.offset;
    c.timestamp_ms = r.timestamp_ms;
    c.timestamp_type = r.timestamp_ms < 0 ? SS_TIMESTAMP_NOT_AVAILABLE : SS_TIMESTAMP_CREATE_TIME;
    c.key = r.key ? r.key->data() : nullptr;
    c.key_len = r.key ? r.key->size() : 0;
    c.value = r.value ? r.value->data() : nullptr;
    c.value_len = r.value ? r.value->size() : 0;
    c.headers = out.c_headers.empty() ? nullptr : out.c_headers.data();
    c.header_count = out.c_headers.size();
    c.header_stride = sizeof(ss_header);
}

Status DeadLetterQueue::write(const ApplicationBatch &batch, const std::vector<RejectedRecord> &records) {
    if (records.empty()) return ok_status();
    std::deque<DeadLetter> letters(records.size()); // stable addresses: the records point into them
    std::vector<ss_record> c;
    c.reserve(records.size());
    for (size_t i = 0; i < records.size(); ++i) {
        build_dead_letter(records[i], settings_, batch.id(), letters[i]);
        c.push_back(letters[i].c);
    }
    return writer_->write(batch, settings_.topic, c.data(), c.size());
}

} // namespace streamsubmit::runtime
