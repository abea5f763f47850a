#include "runtime/plugin/embedded_cluster.h"

#include "runtime/plugin/plugin_call.h"

#include <fmt/format.h>

#include <sstream>
#include <vector>

namespace streamsubmit::runtime {
namespace {

// The cluster's chatter is debug output unless it warns; never throws into the plugin.
void log_from_cluster(void *ctx, ss_log_level level, const char *message) noexcept {
    log_from_plugin(ctx, level >= SS_LOG_WARN ? SS_LOG_WARN : SS_LOG_DEBUG, message);
}

Status checked(ss_status status, const ss_error &err) {
    if (status == SS_OK) return ok_status();
    return source_error(status, err);
}

// A known verb with the wrong arguments names the verb's form; an unknown one lists them all.
Error bad_command(std::string_view command, std::string_view verb) {
    for (const auto &line : EmbeddedCluster::commands())
        if (line.substr(0, line.find(' ')) == verb)
            return Error(ErrorKind::Usage, fmt::format("malformed command '{}'", command), "",
                         fmt::format("write {}", line));
    std::string all;
    for (const auto &line : EmbeddedCluster::commands()) all += (all.empty() ? "" : " | ") + std::string(line);
    return Error(ErrorKind::Usage, fmt::format("unknown command '{}'", verb), "", "commands: " + all);
}

} // namespace

Result<std::unique_ptr<EmbeddedCluster>> EmbeddedCluster::create(PluginPtr plugin, int brokers,
                                                                  Diagnostics diagnostics) {
    if (!plugin->cluster_api())
        return Error(ErrorKind::PluginLoad, fmt::format("plugin '{}' has no embedded cluster", plugin->name()),
                     plugin->path().string(), "use the bundled Kafka plugin (streamsubmit-kafka.so)");
    auto diag = std::make_unique<Diagnostics>(std::move(diagnostics));
    auto host = std::make_unique<ss_host_api>(host_api(diag.get()));
    host->log = &log_from_cluster;
    ss_cluster_params params{};
    params.struct_size = sizeof(ss_cluster_params);
    params.broker_count = brokers;
    params.host = host.get();
    ss_error err = empty_error();
    ss_cluster *handle = nullptr;
    if (const ss_status st = plugin->cluster_api()->create(&params, &handle, &err); st != SS_OK)
        return source_error(st, err);
    if (!handle) return source_error(SS_ERR_INTERNAL, err);
    return std::unique_ptr<EmbeddedCluster>(
        new EmbeddedCluster(std::move(plugin), handle, std::move(diag), std::move(host)));
}

EmbeddedCluster::~EmbeddedCluster() { api_->destroy(handle_); }

std::string EmbeddedCluster::bootstrap_servers() const { return api_->bootstrap_servers(handle_); }

Status EmbeddedCluster::create_topic(const std::string &topic, int partitions) {
    ss_error err = empty_error();
    return checked(api_->create_topic(handle_, topic.c_str(), partitions, &err), err);
}

Status EmbeddedCluster::produce(const std::string &topic, int64_t count, size_t value_bytes) {
    ss_error err = empty_error();
    return checked(api_->produce(handle_, topic.c_str(), count, value_bytes, &err), err);
}

Status EmbeddedCluster::apply(std::string_view command) {
    std::istringstream in{std::string(command)};
    std::string verb;
    in >> verb;
    ss_error err = empty_error();
    if (verb == "topic") {
        std::string name;
        int partitions = 0;
        if (in >> name >> partitions && partitions > 0) return create_topic(name, partitions);
    } else if (verb == "produce") {
        std::string name;
        int64_t count = 0;
        size_t value_bytes = 100;
        if (in >> name >> count && count >= 0) {
            in >> value_bytes;
            return produce(name, count, value_bytes);
        }
    } else if (verb == "broker") {
        std::string state;
        int32_t id = 0;
        if (in >> state >> id && (state == "down" || state == "up"))
            return checked(api_->set_broker_up(handle_, id, state == "up", &err), err);
    } else if (verb == "leader") {
        std::string topic;
        int32_t partition = 0, broker = 0;
        if (in >> topic >> partition >> broker)
            return checked(api_->set_leader(handle_, topic.c_str(), partition, broker, &err), err);
    } else if (verb == "rtt") {
        int32_t broker = 0;
        int ms = 0;
        if (in >> broker >> ms) return checked(api_->set_broker_rtt(handle_, broker, ms, &err), err);
    } else if (verb == "error") {
        int api_key = 0, code = 0;
        size_t count = 0;
        if (in >> api_key >> count >> code)
            return checked(api_->push_request_errors(handle_, static_cast<int16_t>(api_key), count, code, &err), err);
    }
    return bad_command(command, verb);
}

std::span<const std::string_view> EmbeddedCluster::commands() {
    static constexpr std::string_view kCommands[] = {
        "topic NAME PARTITIONS", "produce NAME COUNT [VALUE_BYTES]", "broker down|up ID",
        "leader TOPIC PARTITION BROKER", "rtt BROKER MS", "error API_KEY COUNT ERROR_CODE"};
    return kCommands;
}

} // namespace streamsubmit::runtime
