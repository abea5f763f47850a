#include "cli/mock_cluster_command.h"

#include "cli/error_report.h"
#include "cli/stderr_diagnostics.h"
#include "common/guarded.h"
#include "runtime/plugin/embedded_cluster.h"
#include "runtime/core/stop_signal.h"

#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

namespace streamsubmit::cli {
namespace {

using namespace streamsubmit::runtime;

struct MockClusterArgs {
    int brokers = 3;
    std::vector<std::string> topics;  // NAME:PARTITIONS
    std::vector<std::string> produce; // NAME:COUNT
    size_t value_bytes = 100;
    std::vector<std::string> plugins;
    bool verbose = false;
};

Result<std::pair<std::string, int64_t>> split_spec(const std::string &spec, const char *option, const char *form) {
    const auto colon = spec.rfind(':');
    try {
        if (colon != std::string::npos && colon > 0) {
            size_t used = 0;
            const int64_t n = std::stoll(spec.substr(colon + 1), &used);
            if (used == spec.size() - colon - 1 && n >= 0) return std::make_pair(spec.substr(0, colon), n);
        }
    } catch (const std::exception &) {
    }
    return Error(ErrorKind::Usage, fmt::format("malformed {}", option), spec, fmt::format("write {} {}", option, form));
}

// Control lines from stdin let scripts inject faults into a running cluster.
void serve_commands(EmbeddedCluster &cluster, std::mutex &mutex) {
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::lock_guard lock(mutex);
        const auto st = cluster.apply(line);
        // One answer line per command on stdout, for scripts; what went wrong, with the fix, on stderr.
        if (!st) std::fputs(format_error(st.error()).c_str(), stderr);
        std::fputs(st ? "ok\n" : fmt::format("error: {}\n", st.error().what).c_str(), stdout);
        std::fflush(stdout);
    }
}

Status run_mock_cluster(const MockClusterArgs &args) {
    if (args.brokers < 1) return Error(ErrorKind::Usage, "--brokers must be 1 or more", std::to_string(args.brokers));
    std::vector<std::pair<std::string, int64_t>> topics, produce;
    for (const auto &spec : args.topics) {
        auto t = split_spec(spec, "--topic", "NAME:PARTITIONS");
        if (!t || t->second < 1) return t ? Error(ErrorKind::Usage, "a topic needs 1 or more partitions", spec) : t.error();
        topics.push_back(*t);
    }
    for (const auto &spec : args.produce) {
        auto p = split_spec(spec, "--produce", "NAME:COUNT");
        if (!p) return p.error();
        produce.push_back(*p);
    }
    std::vector<std::filesystem::path> files(args.plugins.begin(), args.plugins.end());
    auto plugin = select_plugin(files, Capability::Cluster, {}, "kafka");
    if (!plugin) return plugin.error();

    // The detached signal-watcher thread uses `stop` until the process ends: it must never be
    // destroyed (a local was, while a SIGINT was still being delivered: TSan data race).
    StopSignal &stop = *new StopSignal;
    install_stop_handlers(stop);
    const auto diagnostics = stderr_diagnostics(args.verbose);
    auto cluster = EmbeddedCluster::create(*plugin, args.brokers, diagnostics);
    if (!cluster) return cluster.error();
    for (const auto &[name, partitions] : topics)
        if (auto st = (*cluster)->create_topic(name, static_cast<int>(partitions)); !st) return st;
    for (const auto &[name, count] : produce)
        if (auto st = (*cluster)->produce(name, count, args.value_bytes); !st) return st;

    std::fputs(fmt::format("bootstrap.servers={}\n", (*cluster)->bootstrap_servers()).c_str(), stdout);
    std::fflush(stdout);
    diagnostics(LogLevel::Info, "mock cluster running; stop it with Ctrl-C or SIGTERM");

    std::mutex mutex;
    std::thread([&cluster = **cluster, &mutex] {
        const Status st = run_guarded("mock-cluster command reader", [&] {
            serve_commands(cluster, mutex);
            return ok_status();
        });
        if (!st) std::_Exit(report_error(st.error()));
    }).detach();
    stop.wait_until(std::chrono::steady_clock::time_point::max());
    std::lock_guard lock(mutex); // no control line half-applied while the cluster goes away
    cluster->reset();
    std::fflush(stdout);
    std::_Exit(0); // the stdin reader may still be blocked in read(); nothing is left to clean up
}

} // namespace

void add_mock_cluster_command(CLI::App &app, CommandSelection &selection) {
    auto args = std::make_shared<MockClusterArgs>();
    auto *cmd = app.add_subcommand(
        "mock-cluster",
        "Run librdkafka's mock Kafka cluster on 127.0.0.1 until SIGINT/SIGTERM; prints bootstrap.servers=... first");
    cmd->add_option("--brokers", args->brokers, "Number of brokers")->default_val(3);
    cmd->add_option("--topic", args->topics, "Create a topic: NAME:PARTITIONS (repeatable)")->type_name("NAME:PARTITIONS");
    cmd->add_option("--produce", args->produce, "Produce COUNT keyed records to NAME at start (repeatable)")
        ->type_name("NAME:COUNT");
    cmd->add_option("--value-bytes", args->value_bytes, "Size of each produced value")->default_val(100);
    cmd->add_option("--plugins", args->plugins, "Plugin file that provides the cluster (default: the bundled Kafka plugin)")
        ->delimiter(',');
    cmd->add_flag("-v,--verbose", args->verbose, "Print the mock brokers' own log lines");
    std::string commands = "Fault injection: while it runs, each line on stdin is a command, answered 'ok' or\n"
                           "'error: ...' on stdout (the reason and the fix on stderr):\n";
    for (const auto &line : EmbeddedCluster::commands()) commands += "  " + std::string(line) + "\n";
    cmd->footer(commands + "\nExit status: 0 stopped by SIGINT/SIGTERM, 1 runtime failure, 2 usage, 3 plugin load, 4 the "
                           "cluster failed. See man streamsubmit.");
    cmd->final_callback([args, &selection] { selection.action = [args] { return run_mock_cluster(*args); }; });
}

} // namespace streamsubmit::cli
