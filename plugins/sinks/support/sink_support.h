// What every bundled sink needs around its own logic: errors as values that become an
// ss_error, the record format options (format / delimiter) shared by the files and exec
// sinks, the index of a range in its batch, and writes that survive short writes.
#pragma once

#include "app_guard.h"
#include "app_params.h"
#include "record_decoding.h"
#include "record_format.h"
#include "sink_error.h"

#include <streamsubmit/plugin.h>

#include <string>
#include <string_view>

namespace streamsubmit::sinks {

// How records are written: JSON Lines (kcat -J's fields) or raw values and a delimiter.
struct RecordFormat {
    bool json = true;
    std::string delimiter = "\n";
    RecordDecoding decoding; // the job's stream.key.format / stream.value.format (json only)
    // `decoded` is the caller's scratch (one per thread), reused from record to record. A
    // record rejected while decoding (decoded.rejected) appends nothing.
    SinkError append(std::string &out, const ss_batch &batch, const ss_record &record, DecodedFields &decoded) const {
        if (!json) {
            append_raw_record(out, record, delimiter);
            return {};
        }
        if (auto e = decoding.decode(batch, record, decoded)) return e;
        if (!decoded.rejected) append_json_record(out, record, &decoded);
        return {};
    }
};

// Takes the `format` and `delimiter` keys of sink `sink` ("files", "exec"); false for any other key.
bool parse_format_key(std::string_view sink, std::string_view key, std::string_view value, RecordFormat &format,
                      SinkError &error);

// Calls take(key, value, error) for each of the sink's keys (sink.NAME.* with the prefix stripped),
// after `format` has had its own keys, until one sets `error`.
template <class F>
SinkError for_each_option(const AppParams &params, std::string_view sink, RecordFormat &format, F &&take) {
    SinkError error;
    for (size_t i = 0; i < params.conf.size() && !error; ++i) {
        const std::string_view key = params.conf[i].first;
        const std::string_view value = params.conf[i].second;
        if (!parse_format_key(sink, key, value, format, error)) take(key, value, error);
    }
    return error;
}

// The index in batch.ranges of `range`, which the host passes as a pointer into that array;
// batch.range_count when it is not one of them.
size_t range_index(const ss_batch &batch, const ss_offset_range &range);

// Writes all of `data` to `fd` (retrying short writes and EINTR); the error names the sink and the file.
SinkError write_all(int fd, std::string_view data, std::string_view sink, const std::string &file);

inline ss_status set_error(ss_error *err, ss_status status, const std::string &message) {
    return set_app_error(err, status, message);
}

inline ss_status report(const SinkError &e, ss_error *err) {
    if (!e) return SS_OK;
    if (!e.hint.empty()) ss_error_hint(err, e.hint.c_str());
    return set_error(err, e.status, e.message);
}

} // namespace streamsubmit::sinks
