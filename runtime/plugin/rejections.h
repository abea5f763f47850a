// One batch's rejected records (ABI 2.2 ss_host_api.reject): what the application, its
// decoder or its sink could not take. The host call copies each record here from the reader
// threads; the batch loop takes the list before commit, fails the batch when the job does not
// tolerate it (stream.errors.tolerance=none, stream.errors.maxPerBatch) and otherwise counts
// the records and hands them to the dead-letter queue.
#pragma once

#include "common/error.h"
#include "runtime/core/diagnostics.h"

#include <streamsubmit/plugin.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace streamsubmit::runtime {

// stream.errors.*: what the job does with a rejected record.
struct RejectPolicy {
    bool tolerate = false;     // tolerance=all: skip (and dead-letter) instead of failing the batch
    int64_t max_per_batch = 0; // past it the batch fails; 0: no limit
    bool log = false;          // each rejection on stderr
};

// A record as the application was handed it, owned: byte for byte what the dead-letter copy carries.
struct RejectedRecord {
    struct Header {
        std::string name;
        std::optional<std::string> value; // nullopt: a null header value
    };
    std::string topic;
    int32_t partition = 0;
    int64_t offset = 0;
    int64_t timestamp_ms = -1;
    std::optional<std::string> key;   // nullopt: no key
    std::optional<std::string> value; // nullopt: a tombstone
    std::vector<Header> headers;
    ss_reject_stage stage = SS_STAGE_APPLICATION;
    std::string error_class;
    std::string reason;

    // Reads `record` as far as its struct_size goes.
    static RejectedRecord copy_of(const ss_record &record, ss_reject_stage stage, const char *error_class,
                                  const char *reason);
};

// "decode", "application" or "sink": the stage header's value.
const char *stage_name(ss_reject_stage stage);

// "orders-3@1042 (application, ValueError): bad price"
std::string describe(const RejectedRecord &record);

class Rejections {
public:
    // Any reader thread. Keeps the record, or, when the policy does not take it, the first
    // such refusal (the batch then fails) and returns it.
    Status add(const RejectPolicy &policy, int64_t batch_id, RejectedRecord record);
    // Driver thread, after every range was processed: the batch's failure, if it has one.
    std::optional<Error> refusal() const;
    // Driver thread: the records, in the order they were rejected (per partition, offset order).
    std::vector<RejectedRecord> take();
    size_t size() const;

private:
    mutable std::mutex mutex_;
    std::vector<RejectedRecord> records_;
    std::optional<Error> refusal_;
};

} // namespace streamsubmit::runtime
