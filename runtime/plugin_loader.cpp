#include "runtime/plugin_loader.h"

#include <fmt/format.h>

#include <cstddef>
#include <cstdlib>
#include <initializer_list>
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
constexpr uint32_t kApplicationDescriptorSize = offsetof(ss_plugin_descriptor, application) + sizeof(void *);
constexpr uint32_t kMinApplicationApiSize = offsetof(ss_application_api, recover) + sizeof(void *);

struct Call {
    const char *name;
    bool present;
};

// The first required call that is NULL, or nullptr when the table is complete.
const char *first_missing(std::initializer_list<Call> calls) {
    for (const auto &call : calls)
        if (!call.present) return call.name;
    return nullptr;
}

const ss_application_api *application_table(const ss_plugin_descriptor &d) {
    return d.abi_minor >= 1 && d.struct_size >= kApplicationDescriptorSize ? d.application : nullptr;
}

// A table the plugin offers must be big enough and have every required call: a NULL one
// would crash the host the first time it is used, far from the plugin that caused it.
std::optional<std::string> table_problem(const ss_plugin_descriptor &d) {
    auto problem = [](const char *table, uint32_t size, uint32_t min, const char *missing) -> std::optional<std::string> {
        if (size < min) return fmt::format("its {} table is {} bytes, at least {} expected", table, size, min);
        if (missing) return fmt::format("its {} table has no '{}' (a required call is NULL)", table, missing);
        return std::nullopt;
    };
    if (const auto *t = d.source) {
        const char *missing = t->struct_size < kMinSourceApiSize ? nullptr
            : first_missing({{"create", t->create != nullptr}, {"destroy", t->destroy != nullptr},
                             {"interrupt", t->interrupt != nullptr}, {"list_partitions", t->list_partitions != nullptr},
                             {"query_watermarks", t->query_watermarks != nullptr},
                             {"offsets_for_times", t->offsets_for_times != nullptr},
                             {"read_ranges", t->read_ranges != nullptr}, {"commit_offsets", t->commit_offsets != nullptr},
                             {"subscribe", t->subscribe != nullptr}, {"poll", t->poll != nullptr},
                             {"pause", t->pause != nullptr}, {"resume", t->resume != nullptr}});
        if (auto p = problem("source", t->struct_size, kMinSourceApiSize, missing)) return p;
    }
    if (const auto *t = d.cluster) {
        const char *missing = t->struct_size < kMinClusterApiSize ? nullptr
            : first_missing({{"create", t->create != nullptr}, {"destroy", t->destroy != nullptr},
                             {"bootstrap_servers", t->bootstrap_servers != nullptr},
                             {"create_topic", t->create_topic != nullptr}, {"produce", t->produce != nullptr},
                             {"set_broker_up", t->set_broker_up != nullptr}, {"set_leader", t->set_leader != nullptr},
                             {"set_broker_rtt", t->set_broker_rtt != nullptr},
                             {"push_request_errors", t->push_request_errors != nullptr}});
        if (auto p = problem("cluster", t->struct_size, kMinClusterApiSize, missing)) return p;
    }
    if (const auto *t = application_table(d)) {
        const char *missing = t->struct_size < kMinApplicationApiSize ? nullptr
            : first_missing({{"create", t->create != nullptr}, {"destroy", t->destroy != nullptr},
                             {"process", t->process != nullptr}, {"commit", t->commit != nullptr}});
        if (auto p = problem("application", t->struct_size, kMinApplicationApiSize, missing)) return p;
    }
    return std::nullopt;
}

const char *capability_name(Capability c) {
    switch (c) {
    case Capability::Source: return "a source connector";
    case Capability::Cluster: return "an embedded cluster";
    case Capability::Application: return "an application";
    }
    return "?";
}

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

const ss_application_api *Plugin::application_api() const {
    const auto *api = application_table(*descriptor_);
    return api && api->struct_size >= kMinApplicationApiSize ? api : nullptr;
}

bool has_capability(const Plugin &plugin, Capability capability) {
    switch (capability) {
    case Capability::Source: return plugin.source_api() != nullptr;
    case Capability::Cluster: return plugin.cluster_api() != nullptr;
    case Capability::Application: return plugin.application_api() != nullptr;
    }
    return false;
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
    if (auto problem = table_problem(*d))
        return load_error(fmt::format("plugin '{}' is broken: {}", d->name, *problem), path,
                          "fix the plugin (declare it with STREAMSUBMIT_PLUGIN and fill every required call), or "
                          "use another version");
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

Result<PluginPtr> select_plugin(const std::vector<fs::path> &files, Capability capability,
                                const std::vector<Capability> &usable, const std::string &fallback) {
    PluginPtr chosen;
    for (const auto &file : files) {
        auto plugin = load_plugin(file);
        if (!plugin) return plugin.error();
        const bool wanted = has_capability(**plugin, capability);
        if (wanted && !chosen) chosen = *plugin;
        if (wanted) continue;
        bool useful = false;
        for (const auto c : usable) useful = useful || has_capability(**plugin, c);
        if (useful) continue;
        std::string offers;
        for (const auto c : {Capability::Source, Capability::Cluster, Capability::Application})
            if (has_capability(**plugin, c)) offers += (offers.empty() ? "" : " and ") + std::string(capability_name(c));
        return Error(ErrorKind::PluginLoad,
                     fmt::format("plugin '{}' is {}, which this command cannot use", (*plugin)->name(),
                                 offers.empty() ? "nothing it could use (no table)" : offers),
                     file.string(),
                     has_capability(**plugin, Capability::Application)
                         ? "pass an application as the primary resource (after the options), not with --plugins"
                         : "remove it from --plugins/--packages");
    }
    if (chosen) return chosen;
    return load_bundled_plugin(fallback);
}

} // namespace streamsubmit::runtime
