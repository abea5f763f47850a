// schema/ as the module the command line dlopens when a job's record format is not bytes, for
// the ABI 2.3 decode host call (libcurl, avro-c and libprotobuf are then loaded only by such
// jobs). The module (streamsubmit-schema.so) exports one C symbol returning this table; both
// sides are built from this tree together, so C++ types cross (checked by `size`), as with
// the resolver's module.
#pragma once

#include "schema/decode_error.h"
#include "schema/decoder_settings.h"
#include "schema/record_decoder.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace streamsubmit::schema {

struct ModuleApi {
    uint32_t size; // sizeof(ModuleApi) as the module was built
    // The decoder of the job's formats from ss_app_params.format_conf's keys (full names):
    // nullptr when both are bytes, or when a key is wrong (then `error` says why).
    std::shared_ptr<const RecordDecoder> (*make)(const std::vector<std::pair<std::string, std::string>> &format_conf,
                                                 std::optional<SettingsError> &error);
    // RecordDecoder::decode, in the module's code.
    std::optional<DecodeError> (*decode)(const RecordDecoder &decoder, Format format, const void *data, size_t len,
                                         std::string &json, int32_t &schema_id);
    std::string_view (*format_name)(Format format);
};

} // namespace streamsubmit::schema

#define STREAMSUBMIT_SCHEMA_MODULE_SYMBOL "streamsubmit_schema_module"
extern "C" const streamsubmit::schema::ModuleApi *streamsubmit_schema_module();
