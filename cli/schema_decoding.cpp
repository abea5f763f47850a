#include "cli/schema_decoding.h"

#include "schema/module.h"

#include <fmt/format.h>

#include <cstdlib>
#include <dlfcn.h>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#ifndef STREAMSUBMIT_RESOLVER_RELDIR
#define STREAMSUBMIT_RESOLVER_RELDIR "../lib/streamsubmit"
#endif

namespace streamsubmit::cli {
namespace fs = std::filesystem;
namespace {

constexpr const char *kModuleFile = "streamsubmit-schema.so";

std::vector<fs::path> candidates() {
    std::vector<fs::path> out;
    if (const char *env = std::getenv("STREAMSUBMIT_SCHEMA_MODULE"); env && *env) out.emplace_back(env);
    std::error_code ec;
    const auto exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        out.push_back(exe.parent_path() / kModuleFile);
        out.push_back((exe.parent_path() / STREAMSUBMIT_RESOLVER_RELDIR / kModuleFile).lexically_normal());
    }
    return out;
}

Result<const schema::ModuleApi *> load() {
    std::string tried;
    for (const auto &path : candidates()) {
        std::error_code ec;
        if (!fs::is_regular_file(path, ec)) {
            tried += (tried.empty() ? "" : ", ") + path.string();
            continue;
        }
        void *handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL); // kept for the life of the process
        if (!handle)
            return Error(ErrorKind::Runtime, fmt::format("cannot load the schema module: {}", ::dlerror()),
                         path.string(), "install libcurl, avro-c and libprotobuf (the schema formats need them)");
        using Entry = const schema::ModuleApi *(*)();
        auto entry = reinterpret_cast<Entry>(::dlsym(handle, STREAMSUBMIT_SCHEMA_MODULE_SYMBOL));
        const schema::ModuleApi *api = entry ? entry() : nullptr;
        if (!api || api->size != sizeof(schema::ModuleApi))
            return Error(ErrorKind::Runtime, "the schema module does not belong to this streamsubmit", path.string(),
                         "reinstall streamsubmit: the module and the executable must come from the same build");
        return api;
    }
    return Error(ErrorKind::Runtime, "the schema module " + std::string(kModuleFile) + " is missing",
                 "searched " + tried, "reinstall streamsubmit, or set STREAMSUBMIT_SCHEMA_MODULE to the file");
}

Result<const schema::ModuleApi *> schema_module() {
    static std::once_flag once;
    static Result<const schema::ModuleApi *> loaded = Error(ErrorKind::Runtime, "not loaded", "", "");
    std::call_once(once, [] { loaded = load(); });
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
