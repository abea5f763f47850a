// What answers an application's ABI 2.3 decode call (ss_host_api.decode): a record's key or
// value of a schema registry format as JSON text with its schema id. The runtime never speaks
// HTTP: cli/ gives this function (schema/, loaded as a module) when a format is not bytes.
#pragma once

#include <streamsubmit/plugin.h>

#include <cstdint>
#include <functional>
#include <string>

namespace streamsubmit::runtime {

// Reader threads, at once. SS_OK: `json` holds the part's JSON and `schema_id` its id, or
// `is_null` is set (a null key or value); otherwise a status with `err` filled in.
using RecordDecodeFn = std::function<ss_status(const ss_record &record, ss_record_part part, std::string &json,
                                               int32_t &schema_id, bool &is_null, ss_error *err)>;

// The C call a plugin makes, with `ctx` the RecordDecodeFn: checks its arguments and hands out
// a thread-local buffer per part (valid until the next call for that part on the thread).
ss_status decode_for_plugin(void *ctx, const ss_record *record, ss_record_part part, const char **json,
                            size_t *json_len, int32_t *schema_id, ss_error *err) noexcept;

} // namespace streamsubmit::runtime
