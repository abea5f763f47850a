#include "cli/resolver_module.h"

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

// Defined only when the resolver is linked into this binary (tests).
extern "C" const streamsubmit::resolver::ModuleApi *streamsubmit_resolver_module() __attribute__((weak));

namespace streamsubmit::cli {
namespace fs = std::filesystem;
namespace {

constexpr const char *kModuleFile = "streamsubmit-resolver.so";

std::vector<fs::path> candidates() {
    std::vector<fs::path> out;
    if (const char *env = std::getenv("STREAMSUBMIT_RESOLVER_MODULE"); env && *env) out.emplace_back(env);
    std::error_code ec;
    const auto exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        out.push_back(exe.parent_path() / kModuleFile);
        out.push_back((exe.parent_path() / STREAMSUBMIT_RESOLVER_RELDIR / kModuleFile).lexically_normal());
    }
    return out;
}

Result<const resolver::ModuleApi *> load() {
    if (streamsubmit_resolver_module) return streamsubmit_resolver_module();
    std::string tried;
    for (const auto &path : candidates()) {
        std::error_code ec;
        if (!fs::is_regular_file(path, ec)) {
            tried += (tried.empty() ? "" : ", ") + path.string();
            continue;
        }
        void *handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL); // kept for the life of the process
        if (!handle)
            return Error(ErrorKind::Runtime, fmt::format("cannot load the resolver module: {}", ::dlerror()),
                         path.string(), "install libcurl, OpenSSL and GPGME (the resolver needs them), or reinstall streamsubmit");
        using Entry = const resolver::ModuleApi *(*)();
        auto entry = reinterpret_cast<Entry>(::dlsym(handle, STREAMSUBMIT_RESOLVER_MODULE_SYMBOL));
        const resolver::ModuleApi *api = entry ? entry() : nullptr;
        if (!api || api->size != sizeof(resolver::ModuleApi))
            return Error(ErrorKind::Runtime, "the resolver module does not belong to this streamsubmit", path.string(),
                         "reinstall streamsubmit: the module and the executable must come from the same build");
        return api;
    }
    return Error(ErrorKind::Runtime, "the resolver module " + std::string(kModuleFile) + " is missing",
                 "searched " + tried, "reinstall streamsubmit, or set STREAMSUBMIT_RESOLVER_MODULE to the file");
}

} // namespace

Result<const resolver::ModuleApi *> resolver_module() {
    static std::once_flag once;
    static Result<const resolver::ModuleApi *> loaded = Error(ErrorKind::Runtime, "not loaded", "", "");
    std::call_once(once, [] { loaded = load(); });
    return loaded;
}

} // namespace streamsubmit::cli
