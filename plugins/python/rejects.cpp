#include "rejects.h"

namespace streamsubmit::python {
namespace {

std::optional<std::string> bytes(const void *data, size_t len) {
    if (!data) return std::nullopt;
    return std::string(static_cast<const char *>(data), len);
}

} // namespace

RawRecord RawRecord::copy_of(const ss_record &r) {
    RawRecord out;
    out.topic = r.topic ? r.topic : "";
    out.partition = r.partition;
    out.offset = r.offset;
    out.timestamp_ms = r.timestamp_ms;
    out.timestamp_type = r.timestamp_type;
    out.key = bytes(r.key, r.key_len);
    out.value = bytes(r.value, r.value_len);
    for (size_t i = 0; i < r.header_count; ++i) {
        const ss_header *h = ss_header_at(&r, i);
        out.headers.emplace_back(h->name ? h->name : "", bytes(h->value, h->value_len));
    }
    return out;
}

ss_status reject(const ss_host_api *host, const ss_batch &batch, const ss_record &record, ss_reject_stage stage,
                 const std::string &error_class, const std::string &reason, ss_error *err) {
    if (!ss_host_can_reject(host)) return ss_error_set(err, SS_ERR_UNSUPPORTED, "the host cannot reject records");
    return host->reject(host->reject_ctx, &batch, &record, stage, error_class.c_str(), reason.c_str(), err);
}

ss_status reject(const ss_host_api *host, const ss_batch &batch, const RawRecord &raw, ss_reject_stage stage,
                 const std::string &error_class, const std::string &reason, ss_error *err) {
    std::vector<ss_header> headers;
    headers.reserve(raw.headers.size());
    for (const auto &[name, value] : raw.headers)
        headers.push_back({name.c_str(), value ? value->data() : nullptr, value ? value->size() : 0});
    ss_record r{};
    r.struct_size = sizeof r;
    r.topic = raw.topic.c_str();
    r.partition = raw.partition;
    r.offset = raw.offset;
    r.timestamp_ms = raw.timestamp_ms;
    r.timestamp_type = raw.timestamp_type;
    r.key = raw.key ? raw.key->data() : nullptr;
    r.key_len = raw.key ? raw.key->size() : 0;
    r.value = raw.value ? raw.value->data() : nullptr;
    r.value_len = raw.value ? raw.value->size() : 0;
    r.headers = headers.empty() ? nullptr : headers.data();
    r.header_count = headers.size();
    r.header_stride = sizeof(ss_header);
    return reject(host, batch, r, stage, error_class, reason, err);
}

void RawRanges::keep(const ss_batch &batch, size_t range, RawRecord record) {
    std::lock_guard lock(mutex_);
    if (batch_ != batch.id) {
        ranges_.clear();
        batch_ = batch.id;
    }
    ranges_[range].push_back(std::move(record));
}

std::vector<RawRecord> RawRanges::take(const ss_batch &batch, size_t range) {
    std::lock_guard lock(mutex_);
    if (batch_ != batch.id) return {};
    auto it = ranges_.find(range);
    if (it == ranges_.end()) return {};
    auto out = std::move(it->second);
    ranges_.erase(it);
    return out;
}

void RawRanges::forget() {
    std::lock_guard lock(mutex_);
    ranges_.clear();
    batch_ = -1;
}

} // namespace streamsubmit::python
