#include "cli/schema_decoding.h"

#include "cli/module_loader.h"

#include "schema/module.h"

#include <mutex>
#include <string>

namespace streamsubmit::cli {
namespace {

constexpr ModuleFile kSchema{"schema", "streamsubmit-schema.so", "STREAMSUBMIT_SCHEMA_MODULE",
                             STREAMSUBMIT_SCHEMA_MODULE_SYMBOL, "libcurl, avro-c and libprotobuf"};

Result<const schema::ModuleApi *> schema_module() {
    static std::once_flag once;
    static Result<const schema::ModuleApi *> loaded = Error(ErrorKind::Runtime, "not loaded", "", "");
    std::call_once(once, [] { loaded = load_module_api<schema::ModuleApi>(kSchema); });
    return loaded;
}

bool all_bytes(const runtime::ApplicationSetup::Conf &format_conf) {
    for (const auto &[key, value] : format_conf)
        if ((key == "stream.key.format" || key == "stream.value.format") && value != "bytes") return false;
    return true;
}

std::string where(const ss_record &r) {
    return std::string(r.topic ? r.topic : "?") + " partition " + std::to_string(r.partition) + " offset " +
           std::to_string(r.offset);
}

} // namespace

Result<runtime::RecordDecodeFn> record_decode_fn(const runtime::ApplicationSetup::Conf &format_conf) {
    if (all_bytes(format_conf)) return runtime::RecordDecodeFn{};
    auto api = schema_module();
    if (!api) return api.error();
    const schema::ModuleApi *module = *api;
    std::optional<schema::SettingsError> error;
    std::shared_ptr<const schema::RecordDecoder> decoder = module->make(format_conf, error);
    if (error) return Error(ErrorKind::Usage, error->message, "", error->hint);
    if (!decoder) return runtime::RecordDecodeFn{};
    return runtime::RecordDecodeFn([module, decoder](const ss_record &r, ss_record_part part, std::string &json,
                                                     int32_t &schema_id, bool &is_null, ss_error *err) -> ss_status {
        const bool key = part == SS_PART_KEY;
        const schema::Format format = key ? decoder->key_format() : decoder->value_format();
        const char *what = key ? "key" : "value";
        if (format == schema::Format::Bytes)
            return ss_error_set(err, SS_ERR_UNSUPPORTED,
                                (std::string("decode: stream.") + what + ".format is bytes: read the " + what +
                                 " as it is")
                                    .c_str());
        const void *data = key ? r.key : r.value;
        if (!data) {
            is_null = true; // a null key or value (a tombstone) has no format
            return SS_OK;
        }
        schema_id = -1; // until the header gives one
        auto e = module->decode(*decoder, format, data, key ? r.key_len : r.value_len, json, schema_id);
        if (!e) return SS_OK;
        const std::string message = "cannot decode the " + std::string(what) + " of " + where(r) +
                                    (schema_id >= 0 ? " (schema id " + std::to_string(schema_id) + ")" : "") +
                                    " as " + std::string(module->format_name(format)) + ": " + e->message;
        ss_error_set(err, SS_ERR_BAD_RECORD, message.c_str());
        ss_error_hint(err, e->hint.c_str());
        return SS_ERR_BAD_RECORD;
    });
}

} // namespace streamsubmit::cli
