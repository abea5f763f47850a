#include "cli/status_command.h"

#include "cli/status_format.h"
#include "cli/stderr_diagnostics.h"
#include "runtime/plugin/plugin_loader.h"
#include "runtime/plugin/source.h"
#include "runtime/progress/checkpoint.h"

#include <fmt/format.h>

#include <cstdio>
#include <map>
#include <memory>
#include <set>

namespace streamsubmit::cli {
namespace {

using namespace streamsubmit::runtime;

struct StatusArgs {
    std::string checkpoint;
    std::string group;
    std::vector<std::string> topics;
    std::string bootstrap;
    std::vector<std::string> conf; // kafka.KEY=VALUE
    std::string output = "text";
    int timeout_ms = 10'000;
    bool verbose = false;
};

// "topics=a,b" (what the job subscribed) -> its topics; a pattern names none.
std::vector<std::string> subscribed_topics(const std::string &subscription) {
    std::vector<std::string> topics;
    if (!subscription.starts_with("topics=")) return topics;
    const std::string list = subscription.substr(7);
    for (size_t start = 0; start <= list.size();) {
        const auto comma = std::min(list.find(',', start), list.size());
        if (comma > start) topics.push_back(list.substr(start, comma - start));
        start = comma + 1;
    }
    return topics;
}

Result<ConnectorConf> connector_conf(const StatusArgs &args) {
    ConnectorConf conf{{"bootstrap.servers", args.bootstrap}};
    if (!args.group.empty()) conf.emplace_back("group.id", args.group);
    for (const auto &assignment : args.conf) {
        const auto eq = assignment.find('=');
        if (!assignment.starts_with("kafka.") || eq == std::string::npos)
            return Error(ErrorKind::Usage, "status takes only Kafka client settings", "--conf " + assignment,
                         "write --conf kafka.KEY=VALUE (e.g. kafka.security.protocol=SSL)");
        conf.emplace_back(assignment.substr(6, eq - 6), assignment.substr(eq + 1));
    }
    return conf;
}

Result<JobStatus> gather(const StatusArgs &args) {
    JobStatus status{args.checkpoint, args.group, {}, std::nullopt};
    std::vector<std::string> topics = args.topics;
    std::map<TopicPartition, PartitionStatus> rows;
    if (!args.checkpoint.empty()) {
        auto view = read_checkpoint(args.checkpoint);
        if (!view) return view.error();
        if (topics.empty()) topics = subscribed_topics(view->subscription);
        if (const auto &last = view->last) {
            status.last_batch = LastBatch{last->id, last->time_ms, last->complete ? "complete" : "planned"};
            for (const auto &r : last->ranges) {
                auto &row = rows[r.tp];
                row.topic = r.tp.topic;
                row.partition = r.tp.partition;
                // A planned batch re-runs from its from offsets; a complete one continues at until.
                if (args.group.empty()) row.position = last->complete ? r.until : r.from;
                if (topics.empty() || std::find(topics.begin(), topics.end(), r.tp.topic) == topics.end())
                    if (args.topics.empty()) topics.push_back(r.tp.topic);
            }
        }
    }
    if (topics.empty())
        return Error(ErrorKind::Usage, "no topics to report on", "",
                     "give --topics TOPIC,... (a job with --topic-pattern records no topic names until its first batch)");
    auto conf = connector_conf(args);
    if (!conf) return conf.error();
    auto plugin = select_plugin({}, Capability::Source, {}, "kafka");
    if (!plugin) return plugin.error();
    auto source = Source::create(*plugin, *conf, stderr_diagnostics(args.verbose));
    if (!source) return source.error();
    const std::chrono::milliseconds timeout(args.timeout_ms);
    auto partitions = (*source)->list_partitions(topics, "", timeout);
    if (!partitions) return partitions.error();
    auto marks = (*source)->query_watermarks(*partitions, timeout);
    if (!marks) return marks.error();
    for (const auto &[tp, m] : *marks) {
        auto &row = rows[tp];
        row.topic = tp.topic;
        row.partition = tp.partition;
        row.latest = m.latest;
    }
    if (!args.group.empty()) {
        auto committed = (*source)->committed_offsets(*partitions, timeout);
        if (!committed) return committed.error();
        for (const auto &[tp, offset] : *committed) rows[tp].position = offset;
    }
    for (auto &[tp, row] : rows) status.partitions.push_back(std::move(row));
    return status;
}

Status run_status(const StatusArgs &args) {
    if (args.checkpoint.empty() && args.group.empty())
        return Error(ErrorKind::Usage, "status needs a job to look at", "",
                     "give --checkpoint DIR (the job's), --group G (a group's committed offsets), or both");
    if (args.bootstrap.empty())
        return Error(ErrorKind::Usage, "status needs the Kafka brokers for the latest offsets", "",
                     "add --bootstrap-servers HOST:PORT");
    auto status = gather(args);
    if (!status) return status.error();
    const std::string text = args.output == "json" ? format_status_json(*status) : format_status_text(*status);
    if (std::fputs(text.c_str(), stdout) == EOF || std::fflush(stdout) != 0)
        return Error(ErrorKind::Runtime, "cannot write the status to stdout");
    return ok_status();
}

} // namespace

void add_status_command(CLI::App &app, CommandSelection &selection) {
    auto args = std::make_shared<StatusArgs>();
    auto *cmd = app.add_subcommand("status",
                                   "Show where a job stands: position, latest offset and lag per partition, and its "
                                   "last batch; reads a running job's checkpoint without changing it (exit 4 when "
                                   "Kafka cannot be reached)");
    cmd->add_option("--checkpoint", args->checkpoint, "The job's checkpoint directory")->type_name("DIR");
    cmd->add_option("--group", args->group, "Positions from this consumer group's committed offsets (receiver mode, "
                                            "stream.kafka.coordination=group)")
        ->type_name("GROUP");
    cmd->add_option("--topics", args->topics, "Topics to report (default: the checkpoint's)")->delimiter(',');
    cmd->add_option("--bootstrap-servers", args->bootstrap, "Kafka brokers, host:port[,host:port]")
        ->type_name("HOST:PORT,...");
    cmd->add_option("--conf", args->conf, "A Kafka client setting, kafka.KEY=VALUE (repeatable)")
        ->type_name("kafka.KEY=VALUE");
    cmd->add_option("--output", args->output, "text lines or one JSON object")
        ->check(CLI::IsMember({"text", "json"}))
        ->default_val("text");
    cmd->add_option("--timeout-ms", args->timeout_ms, "How long Kafka may take to answer")->default_val(10000);
    cmd->add_flag("-v,--verbose", args->verbose, "Print the Kafka client's diagnostics");
    cmd->final_callback([args, &selection] { selection.action = [args] { return run_status(*args); }; });
}

} // namespace streamsubmit::cli
