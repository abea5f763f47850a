// Records a Python job rejects (ABI 2.2 ss_host_api.reject): a key or value its decoder refuses
// (stage decode), and `raise streamsubmit.Reject(reason, record)` in the partitioned form's
// process (stage application). The job sees decoded records; the host needs the bytes, so the
// raw records of each range are kept until the job's process for that range returns (only for
// the partitioned form, with a host that can reject).
#pragma once

#include <streamsubmit/plugin.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace streamsubmit::python {

struct RawRecord {
    std::string topic;
    int32_t partition = 0;
    int64_t offset = 0;
    int64_t timestamp_ms = -1;
    int32_t timestamp_type = 0;
    std::optional<std::string> key, value;
    std::vector<std::pair<std::string, std::optional<std::string>>> headers;

    static RawRecord copy_of(const ss_record &record);
};

// Hands `record` to the host's reject; SS_OK when the host took it.
ss_status reject(const ss_host_api *host, const ss_batch &batch, const ss_record &record, ss_reject_stage stage,
                 const std::string &error_class, const std::string &reason, ss_error *err);
ss_status reject(const ss_host_api *host, const ss_batch &batch, const RawRecord &record, ss_reject_stage stage,
                 const std::string &error_class, const std::string &reason, ss_error *err);

// The raw records of the batch in flight, per range (process calls of different ranges may
// overlap while a job call released the GIL).
class RawRanges {
public:
    void keep(const ss_batch &batch, size_t range, RawRecord record);
    // The range's records, forgotten here.
    std::vector<RawRecord> take(const ss_batch &batch, size_t range);
    void forget();

private:
    std::mutex mutex_;
    int64_t batch_ = -1;
    std::map<size_t, std::vector<RawRecord>> ranges_;
};

} // namespace streamsubmit::python
