#include "runtime/plugin/record_decode.h"

#include <exception>

namespace streamsubmit::runtime {

ss_status decode_for_plugin(void *ctx, const ss_record *record, ss_record_part part, const char **json,
                            size_t *json_len, int32_t *schema_id, ss_error *err) noexcept {
    if (!ctx || !record || !json || !json_len || !schema_id)
        return ss_error_set(err, SS_ERR_CONFIG, "decode: record, json, json_len and schema_id may not be NULL");
    if (part != SS_PART_KEY && part != SS_PART_VALUE)
        return ss_error_set(err, SS_ERR_CONFIG, "decode: part is neither SS_PART_KEY nor SS_PART_VALUE");
    // One buffer per part and thread: a key's JSON stays valid while the value is decoded.
    thread_local std::string buffers[2];
    std::string &out = buffers[part == SS_PART_KEY ? 0 : 1];
    out.clear();
    *json = nullptr;
    *json_len = 0;
    *schema_id = -1;
    try {
        bool is_null = false;
        int32_t id = -1;
        const ss_status st = (*static_cast<const RecordDecodeFn *>(ctx))(*record, part, out, id, is_null, err);
        if (st != SS_OK || is_null) return st;
        *json = out.c_str();
        *json_len = out.size();
        *schema_id = id;
        return SS_OK;
    } catch (const std::exception &e) {
        return ss_error_set(err, SS_ERR_INTERNAL, e.what());
    } catch (...) {
        return ss_error_set(err, SS_ERR_INTERNAL, "decode failed");
    }
}

} // namespace streamsubmit::runtime
