#include "runtime/plugin_loader.h"

#include <fmt/format.h>

#include <cstddef>
#include <cstdlib>
#include <dlfcn.h>
#include <unistd.h>

#ifndef STREAMSUBMIT_PLUGIN_RELDIR
#define STREAMSUBMIT_PLUGIN_RELDIR "../lib/streamsubmit/plugins"
#endif

namespace streamsubmit::runtime {
namespace fs = std::filesystem;
namespace {

// The smallest descriptor any 1.x plugin may have: everything up to the tables.
constexpr uint32_t kMinDescriptorSize = offsetof(ss_plugin_descriptor, cluster) + sizeof(void *);
constexpr uint32_t kMinSourceApiSize = offsetof(ss_source_api, resume) + sizeof(void *);
constexpr uint32_t kMinClusterApiSize = offsetof(ss_cluster_api, push_request_errors) + sizeof(void *);

Error load_error(std::string what, const fs::path &path, std::string hint) {
    return Error(ErrorKind::PluginLoad, std::move(what), path.string(), std::move(hint));
}

fs::path executable_dir() {
    std::error_code ec;
    const auto exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path{} : exe.parent_path();
}

} // namespace

const ss_source_api *Plugin::source_api() const {
    const auto *api = descriptor_->source;
    return api && api->struct_size >= kMinSourceApiSize ? api : nullptr;
}

const ss_cluster_api *Plugin::cluster_api() const {
    const auto *api = descriptor_->cluster;
    return api && api->struct_size >= kMinClusterApiSize ? api : nullptr;
}

Result<PluginPtr> load_plugin(const fs::path &path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        return load_error("plugin file not found", path, "check the path given to --plugins");
    // RTLD_LOCAL keeps each plugin's symbols (and its copy of librdkafka's) to itself.
    void *handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle)
        return load_error(fmt::format("cannot load plugin: {}", ::dlerror()), path,
                          "the file must be a shared object built for this platform, with its libraries installed");
    auto *entry = reinterpret_cast<ss_plugin_entry_fn>(::dlsym(handle, STREAMSUBMIT_PLUGIN_ENTRY_SYMBOL));
    if (!entry)
        return load_error(fmt::format("not a streamsubmit plugin: no exported symbol '{}'",
                                      STREAMSUBMIT_PLUGIN_ENTRY_SYMBOL),
                          path, "build the plugin against include/streamsubmit/plugin.h and export its entry point");
    const ss_plugin_descriptor *d = entry();
    if (!d) return load_error("plugin entry point returned no descriptor", path, "fix the plugin's entry function");
    if (d->magic != SS_PLUGIN_MAGIC)
        return load_error(
            fmt::format("not a streamsubmit plugin: magic is {:#010x}, expected {:#010x}", d->magic, SS_PLUGIN_MAGIC),
            path, "load only plugins built for streamsubmit");
    if (d->abi_major != SS_PLUGIN_ABI_MAJOR)
        return load_error(fmt::format("plugin ABI mismatch: plugin is built for ABI {}.{}, streamsubmit uses ABI {}.{}",
                                      d->abi_major, d->abi_minor, SS_PLUGIN_ABI_MAJOR, SS_PLUGIN_ABI_MINOR),
                          path, "install the plugin version built for this streamsubmit, or rebuild it");
    if (d->struct_size < kMinDescriptorSize)
        return load_error(fmt::format("plugin descriptor too small: {} bytes, at least {} expected", d->struct_size,
                                      kMinDescriptorSize),
                          path, "rebuild the plugin against include/streamsubmit/plugin.h");
    if (!d->name || !d->version)
        return load_error("plugin descriptor has no name or version", path, "fix the plugin's descriptor");
    return PluginPtr(std::make_shared<const Plugin>(path, handle, d));
}

std::vector<fs::path> plugin_search_dirs() {
    std::vector<fs::path> dirs;
    if (const char *env = std::getenv("STREAMSUBMIT_PLUGIN_DIR"); env && *env) dirs.emplace_back(env);
    const auto exe_dir = executable_dir();
    if (!exe_dir.empty()) {
        dirs.push_back(exe_dir / "plugins");
        dirs.push_back((exe_dir / STREAMSUBMIT_PLUGIN_RELDIR).lexically_normal());
    }
    return dirs;
}

Result<PluginPtr> load_bundled_plugin(const std::string &name) {
    const std::string file = "streamsubmit-" + name + ".so";
    std::string tried;
    for (const auto &dir : plugin_search_dirs()) {
        std::error_code ec;
        if (fs::is_regular_file(dir / file, ec)) return load_plugin(dir / file);
        tried += (tried.empty() ? "" : ", ") + dir.string();
    }
    return Error(ErrorKind::PluginLoad, fmt::format("no '{}' plugin found", name), "searched " + tried,
                 "pass the plugin file with --plugins, --packages, or set STREAMSUBMIT_PLUGIN_DIR");
}

Result<PluginPtr> select_plugin(const std::vector<fs::path> &files, const std::string &name, bool need_cluster) {
    for (const auto &file : files) {
        auto plugin = load_plugin(file);
        if (!plugin) return plugin.error();
        const bool has_table = need_cluster ? (*plugin)->cluster_api() != nullptr : (*plugin)->source_api() != nullptr;
        if ((*plugin)->name() == name && has_table) return plugin;
    }
    return load_bundled_plugin(name);
}

} // namespace streamsubmit::runtime
