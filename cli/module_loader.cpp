#include "cli/module_loader.h"

#include <fmt/format.h>

#include <cstdint>
#include <cstdlib>
#include <dlfcn.h>
#include <filesystem>
#include <vector>

#ifndef STREAMSUBMIT_RESOLVER_RELDIR
#define STREAMSUBMIT_RESOLVER_RELDIR "../lib/streamsubmit"
#endif

namespace streamsubmit::cli {
namespace fs = std::filesystem;
namespace {

std::vector<fs::path> candidates(const ModuleFile &module) {
    std::vector<fs::path> out;
    if (const char *env = std::getenv(module.env); env && *env) out.emplace_back(env);
    std::error_code ec;
    const auto exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        out.push_back(exe.parent_path() / module.file);
        out.push_back((exe.parent_path() / STREAMSUBMIT_RESOLVER_RELDIR / module.file).lexically_normal());
    }
    return out;
}

} // namespace

Result<const void *> load_module(const ModuleFile &module, size_t table_size) {
    std::string tried;
    for (const auto &path : candidates(module)) {
        std::error_code ec;
        if (!fs::is_regular_file(path, ec)) {
            tried += (tried.empty() ? "" : ", ") + path.string();
            continue;
        }
        void *handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL); // kept for the life of the process
        if (!handle)
            return Error(ErrorKind::Runtime, fmt::format("cannot load the {} module: {}", module.what, ::dlerror()),
                         path.string(),
                         fmt::format("install {} (the {} module needs them), or reinstall streamsubmit",
                                     module.libraries, module.what));
        using Entry = const uint32_t *(*)(); // every table starts with its size (uint32_t)
        auto entry = reinterpret_cast<Entry>(::dlsym(handle, module.symbol));
        const uint32_t *table = entry ? entry() : nullptr;
        if (!table || *table != table_size)
            return Error(ErrorKind::Runtime, fmt::format("the {} module does not belong to this streamsubmit", module.what),
                         path.string(),
                         "reinstall streamsubmit: the module and the executable must come from the same build");
        return static_cast<const void *>(table);
    }
    return Error(ErrorKind::Runtime, fmt::format("the {} module {} is missing", module.what, module.file),
                 "searched " + tried, fmt::format("reinstall streamsubmit, or set {} to the file", module.env));
}

} // namespace streamsubmit::cli
