// Loads plugin shared objects and checks their descriptor (magic, ABI, size)
// before anything else in them is touched.
#pragma once

#include "common/error.h"

#include <streamsubmit/plugin.h>
#include <streamsubmit/testing.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace streamsubmit::runtime {

// One configuration key an application or sink declares in its table (ss_config_key).
struct PluginKey {
    std::string name; // relative: "dir" of sink.files.dir
    ss_key_type type = SS_KEY_STRING;
    std::optional<std::string> default_value;
    std::string choices; // SS_KEY_ENUM: "json|raw"
    std::string doc;
    bool required = false;
    bool sensitive = false;
};

class Plugin {
public:
    Plugin(std::filesystem::path path, void *handle, const ss_plugin_descriptor *descriptor)
        : path_(std::move(path)), handle_(handle), descriptor_(descriptor) {}
    Plugin(const Plugin &) = delete;
    Plugin &operator=(const Plugin &) = delete;

    const std::filesystem::path &path() const { return path_; }
    const ss_plugin_descriptor &descriptor() const { return *descriptor_; }
    std::string name() const { return descriptor_->name ? descriptor_->name : ""; }
    std::string version() const { return descriptor_->version ? descriptor_->version : ""; }
    // nullptr when the plugin has no such table, or one too small for this host.
    const ss_source_api *source_api() const;
    const ss_direct_api *direct_api() const;
    const ss_consumer_api *consumer_api() const;
    const ss_member_api *member_api() const;
    const ss_cluster_api *cluster_api() const;
    const ss_application_api *application_api() const;
    // The keys its application table declares (empty without one).
    std::vector<PluginKey> config_keys() const;
    // The connector keys its application table asks for where the user set none (ABI 2.4,
    // full names such as "kafka.queued.max.messages.kbytes"); empty without.
    std::vector<std::pair<std::string, std::string>> source_defaults() const;

private:
    std::filesystem::path path_;
    void *handle_; // never dlclose()d: a plugin's library threads may outlive its last object
    const ss_plugin_descriptor *descriptor_;
};

using PluginPtr = std::shared_ptr<const Plugin>;

Result<PluginPtr> load_plugin(const std::filesystem::path &path);

// Where bundled plugins live: $STREAMSUBMIT_PLUGIN_DIR, else beside the executable
// in the build tree (plugins/), else the install tree's lib/streamsubmit/plugins.
std::vector<std::filesystem::path> plugin_search_dirs();

// Loads streamsubmit-<name>.so from the first search directory that has it.
Result<PluginPtr> load_bundled_plugin(const std::string &name);

// What a plugin can be used as: one table of its descriptor each.
enum class Capability { Source, Cluster, Application };

bool has_capability(const Plugin &plugin, Capability capability);

// From explicit plugin files (--plugins, --packages): the first that has the capability,
// else the bundled plugin `fallback`. A file that offers none of the capabilities the job
// can use (`usable`) is an error naming it rather than a plugin silently ignored.
Result<PluginPtr> select_plugin(const std::vector<std::filesystem::path> &files, Capability capability,
                                const std::vector<Capability> &usable, const std::string &fallback);

} // namespace streamsubmit::runtime
