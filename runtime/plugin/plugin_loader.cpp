#include "runtime/plugin/plugin_loader.h"

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

// ABI 2.0 is the first of its major: every 2.x descriptor and table has at least its fields.
constexpr uint32_t kMinDescriptorSize = offsetof(ss_plugin_descriptor, cluster) + sizeof(void *);
constexpr uint32_t kMinSourceApiSize = offsetof(ss_source_api, member) + sizeof(void *);
constexpr uint32_t kMinDirectApiSize = offsetof(ss_direct_api, commit_offsets) + sizeof(void *);
constexpr uint32_t kMinConsumerApiSize = offsetof(ss_consumer_api, start_assigned_at) + sizeof(void *);
constexpr uint32_t kMinMemberApiSize = offsetof(ss_member_api, group_metadata) + sizeof(void *);
constexpr uint32_t kMinClusterApiSize = offsetof(ss_cluster_api, push_request_errors) + sizeof(void *);
constexpr uint32_t kMinApplicationApiSize = offsetof(ss_application_api, key_stride) + sizeof(size_t);
constexpr size_t kMinConfigKeySize = offsetof(ss_config_key, flags) + sizeof(uint32_t);

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

template <class Table>
const Table *if_big_enough(const Table *table, uint32_t min) {
    return table && table->struct_size >= min ? table : nullptr;
}

// A table the plugin offers must be big enough and have every required call: a NULL one
// would crash the host the first time it is used, far from the plugin that caused it.
std::optional<std::string> problem(const char *table, uint32_t size, uint32_t min, const char *missing) {
    if (size < min) return fmt::format("its {} table is {} bytes, at least {} expected", table, size, min);
    if (missing) return fmt::format("its {} table has no '{}' (a required call is NULL)", table, missing);
    return std::nullopt;
}

std::optional<std::string> source_problem(const ss_source_api &t) {
    if (auto p = problem("source", t.struct_size, kMinSourceApiSize,
                         first_missing({{"create", t.create != nullptr}, {"destroy", t.destroy != nullptr},
                                        {"interrupt", t.interrupt != nullptr}})))
        return p;
    if (!t.direct && !t.consumer && !t.member)
        return std::string("its source table offers no capability (direct, consumer and member are all NULL)");
    if (const auto *d = t.direct)
        if (auto p = problem("direct", d->struct_size, kMinDirectApiSize,
                             first_missing({{"list_partitions", d->list_partitions != nullptr},
                                            {"query_watermarks", d->query_watermarks != nullptr},
                                            {"offsets_for_times", d->offsets_for_times != nullptr},
                                            {"read_ranges", d->read_ranges != nullptr}})))
            return p;
    if (const auto *c = t.consumer)
        if (auto p = problem("consumer", c->struct_size, kMinConsumerApiSize,
                             first_missing({{"subscribe", c->subscribe != nullptr}, {"poll", c->poll != nullptr},
                                            {"commit_offsets", c->commit_offsets != nullptr},
                                            {"pause", c->pause != nullptr}, {"resume", c->resume != nullptr}})))
            return p;
    if (const auto *m = t.member)
        if (auto p = problem("member", m->struct_size, kMinMemberApiSize,
                             first_missing({{"join_group", m->join_group != nullptr}, {"serve", m->serve != nullptr},
                                            {"committed_offsets", m->committed_offsets != nullptr},
                                            {"commit_offsets", m->commit_offsets != nullptr},
                                            {"group_metadata", m->group_metadata != nullptr}})))
            return p;
    return std::nullopt;
}

std::optional<std::string> keys_problem(const ss_application_api &t) {
    if (t.key_count == 0) return std::nullopt;
    if (!t.keys || t.key_stride < kMinConfigKeySize)
        return fmt::format("its application table declares {} keys without a usable array (stride {}, at least {})",
                           t.key_count, t.key_stride, kMinConfigKeySize);
    for (size_t i = 0; i < t.key_count; ++i) {
        const auto *k = ss_const_at(ss_config_key, t.keys, t.key_stride, i);
        if (!k->name || !*k->name) return fmt::format("its configuration key {} has no name", i);
        if (k->type < SS_KEY_STRING || k->type > SS_KEY_DOUBLE)
            return fmt::format("its configuration key '{}' has an unknown type {}", k->name, static_cast<int>(k->type));
        if (k->type == SS_KEY_ENUM && (!k->choices || !*k->choices))
            return fmt::format("its configuration key '{}' is an enum without choices", k->name);
    }
    return std::nullopt;
}

// ABI 2.4: an application's connector defaults, read when its table is big enough to have them.
bool has_source_defaults(const ss_application_api &t) {
    return SS_HAS_FIELD(ss_application_api, &t, source_default_stride) && t.source_default_count > 0;
}

std::optional<std::string> source_defaults_problem(const ss_application_api &t) {
    if (!has_source_defaults(t)) return std::nullopt;
    if (!t.source_defaults || t.source_default_stride < sizeof(ss_kv))
        return fmt::format("its application table has {} connector defaults without a usable array (stride {}, at "
                           "least {})",
                           t.source_default_count, t.source_default_stride, sizeof(ss_kv));
    for (size_t i = 0; i < t.source_default_count; ++i) {
        const auto *kv = ss_const_at(ss_kv, t.source_defaults, t.source_default_stride, i);
        if (!kv->key || !*kv->key || !kv->value)
            return fmt::format("its connector default {} has no key or no value", i);
    }
    return std::nullopt;
}

std::optional<std::string> table_problem(const ss_plugin_descriptor &d) {
    if (const auto *t = d.source)
        if (auto p = source_problem(*t)) return p;
    if (const auto *t = d.cluster)
        if (auto p = problem("cluster", t->struct_size, kMinClusterApiSize,
                             first_missing({{"create", t->create != nullptr}, {"destroy", t->destroy != nullptr},
                                            {"bootstrap_servers", t->bootstrap_servers != nullptr},
                                            {"create_topic", t->create_topic != nullptr},
                                            {"produce", t->produce != nullptr},
                                            {"set_broker_up", t->set_broker_up != nullptr},
                                            {"set_leader", t->set_leader != nullptr},
                                            {"set_broker_rtt", t->set_broker_rtt != nullptr},
                                            {"push_request_errors", t->push_request_errors != nullptr}})))
            return p;
    if (const auto *t = d.application) {
        if (auto p = problem("application", t->struct_size, kMinApplicationApiSize,
                             first_missing({{"create", t->create != nullptr}, {"destroy", t->destroy != nullptr},
                                            {"process", t->process != nullptr}, {"commit", t->commit != nullptr}})))
            return p;
        if (auto p = keys_problem(*t)) return p;
        if (auto p = source_defaults_problem(*t)) return p;
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

const ss_source_api *Plugin::source_api() const { return if_big_enough(descriptor_->source, kMinSourceApiSize); }

const ss_direct_api *Plugin::direct_api() const {
    const auto *source = source_api();
    return source ? if_big_enough(source->direct, kMinDirectApiSize) : nullptr;
}

const ss_consumer_api *Plugin::consumer_api() const {
    const auto *source = source_api();
    return source ? if_big_enough(source->consumer, kMinConsumerApiSize) : nullptr;
}

const ss_member_api *Plugin::member_api() const {
    const auto *source = source_api();
    return source ? if_big_enough(source->member, kMinMemberApiSize) : nullptr;
}

const ss_cluster_api *Plugin::cluster_api() const { return if_big_enough(descriptor_->cluster, kMinClusterApiSize); }

const ss_application_api *Plugin::application_api() const {
    return if_big_enough(descriptor_->application, kMinApplicationApiSize);
}

std::vector<PluginKey> Plugin::config_keys() const {
    std::vector<PluginKey> keys;
    const auto *app = application_api();
    if (!app) return keys;
    for (size_t i = 0; i < app->key_count; ++i) {
        const auto *k = ss_const_at(ss_config_key, app->keys, app->key_stride, i);
        keys.push_back({k->name, k->type, k->default_value ? std::optional<std::string>(k->default_value) : std::nullopt,
                        k->choices ? k->choices : "", k->doc ? k->doc : "", (k->flags & SS_KEY_REQUIRED) != 0,
                        (k->flags & SS_KEY_SENSITIVE) != 0});
    }
    return keys;
}

std::vector<std::pair<std::string, std::string>> Plugin::source_defaults() const {
    std::vector<std::pair<std::string, std::string>> defaults;
    const auto *app = application_api();
    if (!app || !has_source_defaults(*app)) return defaults;
    for (size_t i = 0; i < app->source_default_count; ++i) {
        const auto *kv = ss_const_at(ss_kv, app->source_defaults, app->source_default_stride, i);
        defaults.emplace_back(kv->key, kv->value);
    }
    return defaults;
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
    // An ABI 1.x entry takes no arguments; called with two it ignores them (C calling
    // convention), so its descriptor still arrives and is refused below by its major.
    auto *entry = reinterpret_cast<ss_plugin_entry_fn>(::dlsym(handle, STREAMSUBMIT_PLUGIN_ENTRY_SYMBOL));
    if (!entry)
        return load_error(fmt::format("not a streamsubmit plugin: no exported symbol '{}'",
                                      STREAMSUBMIT_PLUGIN_ENTRY_SYMBOL),
                          path, "build the plugin against include/streamsubmit/plugin.h and export its entry point");
    const ss_plugin_descriptor *d = entry(SS_PLUGIN_ABI_MAJOR, SS_PLUGIN_ABI_MINOR);
    if (!d)
        return load_error(fmt::format("the plugin refused this streamsubmit (plugin ABI {}.{}): its entry point "
                                      "returned no descriptor",
                                      SS_PLUGIN_ABI_MAJOR, SS_PLUGIN_ABI_MINOR),
                          path, "use a plugin version built for this streamsubmit, or a newer streamsubmit");
    if (d->magic != SS_PLUGIN_MAGIC)
        return load_error(
            fmt::format("not a streamsubmit plugin: magic is {:#010x}, expected {:#010x}", d->magic, SS_PLUGIN_MAGIC),
            path, "load only plugins built for streamsubmit");
    if (d->abi_major < SS_PLUGIN_ABI_MAJOR)
        return load_error(fmt::format("plugin ABI mismatch: plugin is built for ABI {}.{}, streamsubmit uses ABI {}.{}",
                                      d->abi_major, d->abi_minor, SS_PLUGIN_ABI_MAJOR, SS_PLUGIN_ABI_MINOR),
                          path,
                          fmt::format("rebuild the plugin against this streamsubmit's SDK (include/streamsubmit/plugin.h, "
                                      "ABI {}.{}; include/streamsubmit/README.md says what changed), or install the "
                                      "plugin version built for it",
                                      SS_PLUGIN_ABI_MAJOR, SS_PLUGIN_ABI_MINOR));
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
                          "fix the plugin (fill every required call of each table it offers), or "
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
