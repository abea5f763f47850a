#include "runtime/plugin/rejections.h"

#include <fmt/format.h>

namespace streamsubmit::runtime {
namespace {

std::optional<std::string> bytes(const void *data, size_t len) {
    if (!data) return std::nullopt;
    return std::string(static_cast<const char *>(data), len);
}

Error intolerable(const RejectedRecord &record) {
    return Error(ErrorKind::Application,
                 fmt::format("rejected record {}; stream.errors.tolerance=none fails the batch", describe(record)),
                 "stream.errors.tolerance=none",
                 "the batch stays planned: fix what rejects the record, or set --conf stream.errors.tolerance=all to "
                 "skip rejected records (with --conf stream.errors.deadletterqueue.topic=TOPIC to keep them)");
}

Error too_many(int64_t batch_id, int64_t max) {
    return Error(ErrorKind::Application,
                 fmt::format("batch {} rejected more than stream.errors.maxPerBatch ({}) records", batch_id, max),
                 fmt::format("stream.errors.maxPerBatch={}", max),
                 "the batch stays planned: fix what rejects so many records (--conf stream.errors.log.enable=true "
                 "names each), or raise stream.errors.maxPerBatch (0: no limit)");
}

} // namespace

RejectedRecord RejectedRecord::copy_of(const ss_record &r, ss_reject_stage stage, const char *error_class,
                                       const char *reason) {
    RejectedRecord out;
    out.topic = r.topic ? r.topic : "";
    out.partition = r.partition;
    out.offset = r.offset;
    out.timestamp_ms = r.timestamp_ms;
    out.key = bytes(r.key, r.key_len);
    out.value = bytes(r.value, r.value_len);
    if (SS_HAS_FIELD(ss_record, &r, header_stride) && r.headers) {
        out.headers.reserve(r.header_count);
        for (size_t i = 0; i < r.header_count; ++i) {
            const ss_header &h = *ss_header_at(&r, i);
            out.headers.push_back({h.name ? h.name : "", bytes(h.value, h.value_len)});
        }
    }
    out.stage = stage;
    out.error_class = error_class ? error_class : "";
    out.reason = reason ? reason : "";
    return out;
}

const char *stage_name(ss_reject_stage stage) {
    switch (stage) {
    case SS_STAGE_DECODE: return "decode";
    case SS_STAGE_SINK: return "sink";
    case SS_STAGE_APPLICATION: break;
    }
    return "application";
}

std::string describe(const RejectedRecord &r) {
    const std::string why = r.error_class.empty() ? stage_name(r.stage)
                                                  : fmt::format("{}, {}", stage_name(r.stage), r.error_class);
    return fmt::format("{}-{}@{} ({}): {}", r.topic, r.partition, r.offset, why,
                       r.reason.empty() ? "no reason given" : r.reason);
}

Status Rejections::add(const RejectPolicy &policy, int64_t batch_id, RejectedRecord record) {
    std::lock_guard lock(mutex_);
    if (refusal_) return *refusal_;
    if (!policy.tolerate) {
        refusal_ = intolerable(record);
        return *refusal_;
    }
    if (policy.max_per_batch > 0 && static_cast<int64_t>(records_.size()) >= policy.max_per_batch) {
        refusal_ = too_many(batch_id, policy.max_per_batch);
        return *refusal_;
    }
    records_.push_back(std::move(record));
    return ok_status();
}

std::optional<Error> Rejections::refusal() const {
    std::lock_guard lock(mutex_);
    return refusal_;
}

std::vector<RejectedRecord> Rejections::take() {
    std::lock_guard lock(mutex_);
    return std::exchange(records_, {});
}

size_t Rejections::size() const {
    std::lock_guard lock(mutex_);
    return records_.size();
}

} // namespace streamsubmit::runtime
