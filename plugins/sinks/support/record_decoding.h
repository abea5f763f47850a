// The job's record formats (stream.key.format, stream.value.format) for the sinks' JSON
// output: a key or value in a schema registry format is decoded (schema/) into JSON with its
// schema id. A record that cannot be (no magic byte, an unknown schema id, a payload not of its
// schema) is rejected through the host (stage decode: the dead-letter topic) when the job
// tolerates rejected records (stream.errors.tolerance=all); otherwise, and whenever the
// registry itself fails, it is an SS_ERR_BAD_RECORD naming the record, so the batch is not
// committed and the job stops with exit 4. The one place the files, exec and Kafka sinks decide.
#pragma once

#include "app_params.h"
#include "sink_error.h"

#include <streamsubmit/plugin.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace streamsubmit::schema {
class RecordDecoder;
}

namespace streamsubmit::sinks {

// A record's decoded key and value, reused from record to record (its strings keep their room).
struct DecodedFields {
    bool key = false, value = false; // whether key_json / value_json hold this record's field
    bool rejected = false;           // the host took the record (stage decode): leave it out of the output
    std::string key_json, value_json;
    int32_t key_schema_id = 0, value_schema_id = 0;
};

class RecordDecoding {
public:
    // Nothing to decode (both formats bytes, or a host that does not say).
    RecordDecoding() = default;
    // From the host's format_conf; SS_ERR_CONFIG when a format needs what is missing (a
    // registry URL) or `json_output` is false (sink `sink` writes values as they are).
    static SinkError create(const AppParams &params, std::string_view sink, bool json_output, RecordDecoding &out);

    bool active() const { return decoder_ != nullptr; }

    // Fills `fields` for `record` of `batch` (reader threads, at once, inside process), or
    // rejects the record (fields.rejected) when it is at fault and the job tolerates that.
    SinkError decode(const ss_batch &batch, const ss_record &record, DecodedFields &fields) const;

private:
    // A key or value that cannot be decoded: rejected when it may be, else the batch's failure.
    SinkError refuse(const ss_batch &batch, const ss_record &record, const std::string &why,
                     const char *error_class, bool record_fault, const std::string &hint,
                     DecodedFields &fields) const;

    std::shared_ptr<const schema::RecordDecoder> decoder_;
    const ss_host_api *rejects_to_ = nullptr; // the host, when the job tolerates rejected records
};

} // namespace streamsubmit::sinks
