// A broker cluster inside this process (the Kafka plugin's mock cluster): the
// zero-setup default for demos and smoke tests, and a way to inject faults.
#pragma once

#include "common/error.h"
#include "runtime/core/diagnostics.h"
#include "runtime/plugin/plugin_loader.h"

#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace streamsubmit::runtime {

class EmbeddedCluster {
public:
    static Result<std::unique_ptr<EmbeddedCluster>> create(PluginPtr plugin, int brokers, Diagnostics diagnostics);
    ~EmbeddedCluster();
    EmbeddedCluster(const EmbeddedCluster &) = delete;
    EmbeddedCluster &operator=(const EmbeddedCluster &) = delete;

    std::string bootstrap_servers() const;
    Status create_topic(const std::string &topic, int partitions);
    Status produce(const std::string &topic, int64_t count, size_t value_bytes);

    // One control line, as read by `streamsubmit mock-cluster` from stdin: one of commands().
    // An unknown verb or malformed arguments are a Usage error naming them.
    Status apply(std::string_view command);
    // The control lines' forms, e.g. "rtt BROKER MS", for errors and --help.
    static std::span<const std::string_view> commands();

private:
    EmbeddedCluster(PluginPtr plugin, ss_cluster *handle, std::unique_ptr<Diagnostics> diagnostics,
                    std::unique_ptr<ss_host_api> host)
        : plugin_(std::move(plugin)), api_(plugin_->cluster_api()), handle_(handle),
          diagnostics_(std::move(diagnostics)), host_(std::move(host)) {}

    PluginPtr plugin_;
    const ss_cluster_api *api_;
    ss_cluster *handle_;
    std::unique_ptr<Diagnostics> diagnostics_; // stable addresses: the plugin keeps the host table
    std::unique_ptr<ss_host_api> host_;
};

} // namespace streamsubmit::runtime
