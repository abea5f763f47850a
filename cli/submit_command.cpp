#include "cli/submit_command.h"

#include "cli/dead_letters.h"
#include "cli/error_report.h"
#include "cli/schema_decoding.h"
#include "cli/package_plugins.h"
#include "cli/plugin_keys.h"
#include "cli/progress_line.h"
#include "cli/stderr_diagnostics.h"
#include "runtime/plugin/application.h"
#include "runtime/progress/all_partitions.h"
#include "runtime/progress/checkpoint_progress.h"
#include "cli/stop_deadline.h"
#include "cli/unused_keys.h"
#include "cli/usage.h"
#include "cli/metrics_command.h"
#include "runtime/direct/direct_stream.h"
#include "runtime/progress/group_ownership.h"
#include "runtime/progress/group_progress.h"
#include "runtime/plugin/plugin_loader.h"
#include "runtime/receiver/receiver_stream.h"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <regex>
#include <thread>
#include <unistd.h>

namespace streamsubmit::cli {
namespace {

using namespace streamsubmit::runtime;

// Each reader thread holds its own Kafka connections: more than this is a typo.
constexpr int kMaxReaderThreads = 1024;

Result<int> reader_threads(const std::string &master) {
    static const std::regex form(R"(local(\[(\*|[1-9][0-9]*)\])?)");
    std::smatch m;
    if (!std::regex_match(master, m, form))
        return Error(ErrorKind::Usage, "unsupported --master", master,
                     "use local, local[N] or local[*]; there is no cluster manager");
    if (!m[1].matched) return 1;
    if (m[2] == "*") return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const std::string digits = m[2];
    int n = 0;
    const auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (err != std::errc{} || end != digits.data() + digits.size() || n > kMaxReaderThreads)
        return Error(ErrorKind::Usage, fmt::format("--master asks for more than {} reader threads", kMaxReaderThreads),
                     master, "use local[N] with N up to the number of partitions, or local[*]");
    return n;
}

// When a job stops and how much history it keeps: the same keys in both modes.
template <class StreamOptions>
void read_lifecycle(const Config &config, StreamOptions &o) {
    o.keep_batches = static_cast<int>(config.get_int("stream.checkpoint.keepBatches"));
    o.until_latest = config.get_string("stream.until") == "latest";
    o.max_batches = config.get_int("stream.maxBatches");
    o.request_timeout = config.get_duration("stream.kafka.requestTimeout");
}

// stream.backpressure.*: the same estimator in both modes.
Result<BackpressureSettings> backpressure_settings(const Config &config) {
    BackpressureSettings b;
    b.enabled = config.get_bool("stream.backpressure.enabled");
    b.initial_rate = config.get_int("stream.backpressure.initialRate");
    b.pid.proportional = config.get_double("stream.backpressure.pid.proportional");
    b.pid.integral = config.get_double("stream.backpressure.pid.integral");
    b.pid.derivative = config.get_double("stream.backpressure.pid.derived");
    b.pid.min_rate = config.get_double("stream.backpressure.pid.minRate");
    if (b.pid.min_rate <= 0)
        return Error(ErrorKind::Usage, "stream.backpressure.pid.minRate must be above 0",
                     "stream.backpressure.pid.minRate=" + config.get_string("stream.backpressure.pid.minRate"),
                     "use a rate the job can always take, such as the default 100 (records/s)");
    return b;
}

bool group_coordinated(const Config &config) { return config.get_string("stream.kafka.coordination") == "group"; }

// stream.kafka.coordination=group: what the instances sharing a group cannot do.
Status check_group_coordination(const Config &config, const DirectStreamOptions &o) {
    if (!group_coordinated(config)) return ok_status();
    const std::string key = "stream.kafka.coordination=group";
    if (!config.get("kafka.group.id"))
        return Error(ErrorKind::Usage, "group coordination needs a consumer group", key,
                     "add --group NAME (the same on every instance)");
    if (!o.topic_pattern.empty())
        return Error(ErrorKind::Usage, "group coordination subscribes to named topics; --topic-pattern is not supported",
                     key, "give --topics a,b instead");
    if (o.until_latest)
        return Error(ErrorKind::Usage, "--until latest is not supported with group coordination: partitions move "
                                       "between instances, so no instance knows when the group is done",
                     key, "stop the instances with SIGTERM, or use --max-batches");
    return ok_status();
}

// "orders:2" is receiver mode's topic:threads. A Kafka topic name cannot hold ':', so in
// direct mode it is always this mistake, never a topic to look for.
Status check_no_receiver_threads(const std::vector<std::string> &topics) {
    for (const auto &topic : topics) {
        const auto colon = topic.find(':');
        if (colon == std::string::npos) continue;
        return Error(ErrorKind::Usage, "':threads' is for receiver mode; direct mode reads every partition itself",
                     "--topics " + topic,
                     fmt::format("add --mode receiver (with --group) for receiver threads, or drop '{}' to read {} "
                                 "in direct mode",
                                 topic.substr(colon), topic.substr(0, colon)));
    }
    return ok_status();
}

Result<DirectStreamOptions> direct_options(const Config &config) {
    DirectStreamOptions o;
    o.missing_topic_timeout = config.get_duration("stream.kafka.missingTopicTimeout");
    o.test_hooks = test_hooks_from_environment();
    o.topics = config.get_list("stream.topics");
    o.topic_pattern = config.get_string("stream.topicPattern");
    if (o.topics.empty() == o.topic_pattern.empty())
        return Error(ErrorKind::Usage, o.topics.empty() ? "no topics to read" : "both --topics and --topic-pattern given",
                     "", "give either --topics a,b or --topic-pattern REGEX");
    if (auto st = check_no_receiver_threads(o.topics); !st) return st.error();
    if (!o.topic_pattern.empty()) {
        try {
            std::regex check(o.topic_pattern);
        } catch (const std::regex_error &e) {
            return Error(ErrorKind::Usage, fmt::format("invalid --topic-pattern: {}", e.what()), o.topic_pattern,
                         "write an ECMAScript regular expression, e.g. 'orders-.*'");
        }
    }
    o.limits.batch_interval = config.get_duration("stream.batchInterval");
    if (o.limits.batch_interval.count() <= 0)
        return Error(ErrorKind::Usage, "the batch interval must be positive", config.get_string("stream.batchInterval"),
                     "use a duration such as 500ms or 2s");
    o.limits.max_rate_per_partition = config.get_int("stream.kafka.maxRatePerPartition");
    o.limits.max_offsets_per_batch = config.get_int("stream.kafka.maxOffsetsPerBatch");
    o.min_offsets_per_batch = config.get_int("stream.kafka.minOffsetsPerBatch");
    o.max_batch_delay = config.get_duration("stream.kafka.maxBatchDelay");
    auto backpressure = backpressure_settings(config);
    if (!backpressure) return backpressure.error();
    o.backpressure = *backpressure;

    auto earliest = parse_auto_offset_reset(config.get_string("kafka.auto.offset.reset"));
    if (!earliest) return earliest.error();
    o.start.from_earliest = *earliest;
    if (const auto json = config.get_string("stream.startingOffsets"); !json.empty()) {
        auto offsets = parse_starting_offsets_json(json);
        if (!offsets) return offsets.error();
        o.start.explicit_offsets = std::move(*offsets);
    }
    if (const auto ts = config.get("stream.startingTimestamp")) {
        if (o.start.explicit_offsets)
            return Error(ErrorKind::Usage, "stream.startingOffsets and stream.startingTimestamp are both set", "",
                         "keep one of them");
        o.start.timestamp_ms = config.get_int("stream.startingTimestamp");
    }
    o.fail_on_data_loss = config.get_bool("stream.failOnDataLoss");
    o.commit_offsets = config.get_bool("stream.kafka.commitOffsets");
    if (o.commit_offsets && !config.get("kafka.group.id"))
        return Error(ErrorKind::Usage, "stream.kafka.commitOffsets=true needs a consumer group", "kafka.group.id",
                     "add --group NAME (or --conf kafka.group.id=NAME)");
    if (const auto dir = config.get_string("stream.checkpoint.dir"); !dir.empty()) o.checkpoint_dir = dir;
    read_lifecycle(config, o);
    if (auto st = check_group_coordination(config, o); !st) return st.error();
    return o;
}

// The host's own settings for the connector (ss_source_params): closing one consumer may
// take a third of stream.stopTimeout (10 s at the default), so that one stuck handle leaves
// time for the others a job closes after it; the whole stop stays bounded by stream.stopTimeout.
SourceSettings source_settings(const Config &config) {
    SourceSettings settings;
    settings.close_timeout =
        std::chrono::milliseconds(std::max<int64_t>(1, config.get_duration("stream.stopTimeout").count() / 3));
    return settings;
}

// librdkafka settings for the reading connector. auto.offset.reset stays with the
// runtime, which applies it only where the job starts; the plugin must report lost
// offsets, not skip them.
ConnectorConf connector_conf(const Config &config) {
    ConnectorConf conf;
    for (auto &[key, value] : config.with_prefix("kafka."))
        if (key != "auto.offset.reset") conf.emplace_back(key, value);
    return conf;
}

// The record formats for the application (ss_app_params.format_conf): both formats, the
// schema registry keys that are set, under their full names, and stream.errors.tolerance (a
// record that cannot be decoded is rejected, stage decode, or fails its batch).
ApplicationSetup::Conf format_conf(const Config &config) {
    ApplicationSetup::Conf conf;
    for (const char *key : {"stream.key.format", "stream.value.format", "stream.errors.tolerance"})
        conf.emplace_back(key, config.get_string(key));
    conf.emplace_back("schema.registry.request.timeout",
                      std::to_string(config.get_duration("schema.registry.request.timeout").count()));
    for (auto &[key, value] : config.with_prefix("schema.registry."))
        if (key != "request.timeout") conf.emplace_back("schema.registry." + key, value);
    return conf;
}

// Everything a run needs that does not change between --supervise restarts.
struct JobSetup {
    Config config;
    Diagnostics diagnostics;
    PluginPtr plugin;
    int threads = 1;
    // The application every batch's records go to: a bundled sink (--sink NAME, configured by
    // sink.NAME.*); null when the job only reports ranges.
    PluginPtr application;
    std::string application_prefix; // its configuration keys, e.g. "sink.files."
    std::vector<std::string> application_args;
    BatchObserver *observer = nullptr; // the metrics endpoint's (--metrics-address), or none
    std::optional<metrics::ResolutionActivity> resolution; // what resolving at start cost, for the metrics
};

// The reader of stdout went away (`streamsubmit ... | head -1`): the job ends as `kcat | head`
// does, quietly with exit 0. The batch whose report could not be written has been committed
// by then and is marked complete as usual; no batch starts after it.
enum class ReportWrite { Written, ReaderGone };

Result<ReportWrite> write_report(const BatchReport &report, bool json) {
    const std::string text = json ? format_json(report) : format_text(report);
    if (std::fwrite(text.data(), 1, text.size(), stdout) == text.size() && std::fflush(stdout) == 0)
        return ReportWrite::Written;
    if (errno == EPIPE) return ReportWrite::ReaderGone; // SIGPIPE is ignored (run_job)
    return Error(ErrorKind::Runtime, fmt::format("cannot write the batch report to stdout: {}", std::strerror(errno)),
                 "", "check the file or device stdout goes to (space, permissions)");
}

// Writes each report; on a terminal, the progress line (redrawn after the report) shows
// the backpressure rate and the scheduling delay of the last batch.
BatchOutput report_output(const JobSetup &job, ProgressLine &progress, StopSignal &stop) {
    const bool json = job.config.get_string("stream.output") == "json";
    const bool show_rate =
        job.config.get_bool("stream.backpressure.enabled") && job.config.get_string("stream.until").empty();
    return [json, show_rate, &progress, &stop, &job](const BatchReport &report) -> Status {
        progress.finish(); // the report must not land in the middle of the progress line
        progress.set_rate_limit(report.rate_limit);
        const auto written = write_report(report, json);
        if (written && *written == ReportWrite::ReaderGone) {
            job.diagnostics(LogLevel::Debug, "stdout was closed; stopping after this batch");
            stop.request();
            return ok_status();
        }
        const Status st = written ? ok_status() : Status(written.error());
        if (st && show_rate)
            progress.draw(format_batch_progress(report.id, report.records(), report.rate_limit,
                                                report.scheduling_delay_ms));
        return st;
    };
}

// The job's application and, with stream.errors.deadletterqueue.topic, where its rejected
// records go.
struct StartedApplication {
    std::unique_ptr<Application> application;
    std::unique_ptr<DeadLetterQueue> dead_letters;
};

ApplicationSetup application_setup(const JobSetup &job) {
    ApplicationSetup setup;
    setup.conf = job.config.with_prefix_and_defaults(job.application_prefix);
    setup.args = job.application_args;
    setup.max_parallelism = job.threads;
    setup.mode = job.config.get_string("stream.mode");
    setup.group_coordinated = group_coordinated(job.config);
    setup.batch_interval = job.config.get_duration("stream.batchInterval");
    setup.source_conf = connector_conf(job.config);
    setup.format_conf = format_conf(job.config);
    setup.dead_letter_topic = job.config.get_string("stream.errors.deadletterqueue.topic");
    return setup;
}

// A fresh instance per run: a --supervise restart starts from what is durable, like a new process.
Result<StartedApplication> start_application(const JobSetup &job) {
    if (!job.application) return StartedApplication{};
    auto policy = reject_policy(job.config);
    if (!policy) return policy.error();
    ApplicationSetup setup = application_setup(job);
    setup.rejects = *policy;
    auto decode = record_decode_fn(setup.format_conf); // ABI 2.3 decode; loads schema/ only when needed
    if (!decode) return decode.error();
    setup.decode = std::move(*decode);
    auto application = Application::create(job.application, setup, job.diagnostics);
    if (!application) return application.error();
    auto dead_letters = start_dead_letters(job.config, application->get(), setup, job.diagnostics);
    if (!dead_letters) return dead_letters.error();
    return StartedApplication{std::move(*application), std::move(*dead_letters)};
}

// Its keys become keys of the configuration: the user's are checked against them.
Status use_application(JobSetup &job, PluginPtr plugin, std::string prefix, const std::string &owner) {
    auto keys = declared_keys(*plugin, prefix, owner);
    // An application that declares no keys checks its own (it gets every app.* key).
    if (!keys.empty() || prefix != "app.")
        if (auto st = job.config.declare(prefix, std::move(keys), true); !st) return st;
    if (auto st = apply_source_defaults(job.config, *plugin, owner, job.diagnostics); !st) return st;
    job.application = std::move(plugin);
    job.application_prefix = std::move(prefix);
    return ok_status();
}

// sink.* keys that the job's sink (if any) does not take are checked against the bundled
// sinks' declarations, so a misspelt key is refused whichever sink it was meant for.
Status check_other_sink_keys(Config &config, const std::string &chosen_prefix) {
    const auto all = config.with_prefix("sink.");
    const bool others = std::any_of(all.begin(), all.end(), [&](const auto &kv) {
        return chosen_prefix.empty() || !("sink." + kv.first).starts_with(chosen_prefix);
    });
    if (!others) return ok_status();
    std::map<std::string, std::vector<DeclaredKey>> by_sink;
    for (auto &key : bundled_sink_keys()) {
        const auto prefix = key.name.substr(0, key.name.find('.', 5) + 1); // "sink.files."
        if (prefix != chosen_prefix) by_sink[prefix].push_back(std::move(key));
    }
    for (const auto &[key, value] : all) {
        const auto name = "sink." + key;
        if (!chosen_prefix.empty() && name.starts_with(chosen_prefix)) continue;
        const auto dot = name.find('.', 5);
        if (dot == std::string::npos || !by_sink.contains(name.substr(0, dot + 1)))
            return Error(ErrorKind::Usage, "unknown configuration key", name,
                         "sink keys are sink.NAME.KEY for the sink chosen with --sink NAME ('streamsubmit config' "
                         "lists the bundled sinks' keys)");
    }
    for (auto &[prefix, keys] : by_sink)
        if (auto st = config.declare(prefix, std::move(keys), false); !st) return st;
    return ok_status();
}

// --sink NAME: a sink plugin of that name among --packages/--plugins, else the bundled
// streamsubmit-sink-NAME.so.
Status load_sink(JobSetup &job, const std::vector<std::filesystem::path> &files) {
    const std::string name = job.config.get_string("stream.sink");
    if (auto st = check_other_sink_keys(job.config, name.empty() ? "" : "sink." + name + "."); !st) return st;
    if (name.empty()) return ok_status();
    for (const auto &file : files) {
        auto plugin = load_plugin(file);
        if (!plugin) return plugin.error();
        if (has_capability(**plugin, Capability::Application) && (*plugin)->name() == name)
            return use_application(job, std::move(*plugin), "sink." + name + ".", name + " sink");
    }
    const auto bundled = bundled_sink_names();
    if (std::find(bundled.begin(), bundled.end(), name) == bundled.end()) {
        std::string listed;
        for (const auto &b : bundled) listed += (listed.empty() ? "" : ", ") + b;
        return Error(ErrorKind::Usage, "invalid value for stream.sink", fmt::format("'{}'", name),
                     fmt::format("use one of: {} (bundled), or the name of a sink plugin given with --packages or "
                                 "--plugins",
                                 listed));
    }
    auto plugin = load_bundled_plugin("sink-" + name);
    if (!plugin) return plugin.error();
    if (!has_capability(**plugin, Capability::Application))
        return Error(ErrorKind::PluginLoad, fmt::format("the bundled sink '{}' is not an application", name),
                     (*plugin)->path().string(), "reinstall streamsubmit: its sink plugins do not match it");
    return use_application(job, std::move(*plugin), "sink." + name + ".", name + " sink");
}

// kafka.group.instance.id, or host:pid: names this process in the group's messages and metadata.
std::string group_instance(const Config &config) {
    std::string instance = config.get_string("kafka.group.instance.id");
    if (instance.empty()) {
        char host[256] = "localhost";
        ::gethostname(host, sizeof host - 1);
        instance = fmt::format("{}:{}", host, ::getpid());
    }
    return instance;
}

GroupProgressOptions group_progress_options(const Config &config, const DirectStreamOptions &o,
                                            const std::string &instance) {
    GroupProgressOptions g;
    g.group = config.get_string("kafka.group.id");
    g.instance = instance;
    g.request_timeout = o.request_timeout;
    g.checkpoint_dir = o.checkpoint_dir;
    g.subscription = subscription_id(o);
    g.keep_batches = o.keep_batches;
    return g;
}

bool is_python_job(const std::filesystem::path &file) { return file.extension() == ".py" || file.extension() == ".zip"; }

// A Python job (job.py, or a .zip with __main__.py) runs in the bundled python plugin, which
// takes the script as its first argument and every app.* key (app.python.* are its own).
Status load_python_application(JobSetup &job, const JobFiles &files, const JobArgs &args) {
    const std::filesystem::path &file = *files.application;
    if (!files.py_files.empty())
        if (auto st = job.config.set("app.python.pyFiles", fmt::format("{}", fmt::join(files.py_files, ",")),
                                     ConfigSource::CommandLine);
            !st)
            return st;
    if (auto st = check_other_sink_keys(job.config, ""); !st) return st;
    // io.streamsubmit:streamsubmit-python from --packages (or --plugins) first, else the bundled one.
    Result<PluginPtr> plugin = Error(ErrorKind::PluginLoad, "no python plugin");
    for (const auto &candidate : files.plugins) {
        auto loaded = load_plugin(candidate);
        if (!loaded) return loaded.error();
        if (has_capability(**loaded, Capability::Application) && (*loaded)->name() == "python") {
            plugin = std::move(loaded);
            break;
        }
    }
    if (!plugin) plugin = load_bundled_plugin("python");
    if (!plugin) return plugin.error();
    job.application_args = {file.string()};
    job.application_args.insert(job.application_args.end(), args.application_args.begin(), args.application_args.end());
    return use_application(job, std::move(*plugin), "app.", "Python job " + file.filename().string());
}

// The primary resource (`streamsubmit [options] app.so|job.py|g:a:v [args]`), configured by app.* keys.
Status load_primary_application(JobSetup &job, const JobFiles &files, const JobArgs &args) {
    const std::filesystem::path &file = *files.application;
    if (!job.config.get_string("stream.sink").empty())
        return Error(ErrorKind::Usage, "both --sink and an application given", args.application,
                     "a job has one application: drop --sink, or drop the application");
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
        return Error(ErrorKind::PluginLoad, "the application file does not exist", file.string(),
                     "give the path of the application's .so, or its Maven coordinates group:artifact:version");
    if (is_python_job(file)) return load_python_application(job, files, args);
    auto plugin = load_plugin(file);
    if (!plugin) return plugin.error();
    if (!has_capability(**plugin, Capability::Application))
        return Error(ErrorKind::PluginLoad, "the file has no application table", file.string(),
                     "build it with STREAMSUBMIT_PLUGIN(..., &application_table); a connector goes to --plugins");
    if (auto st = check_other_sink_keys(job.config, ""); !st) return st;
    job.application_args = args.application_args;
    return use_application(job, std::move(*plugin), "app.", "application " + (*plugin)->name());
}

Status run_direct_once(const JobSetup &job, StopSignal &stop, StopDeadline &deadline) {
    auto options = direct_options(job.config);
    if (!options) return options.error();
    ProgressLine progress;
    if (progress.enabled())
        options->on_catch_up_progress = [&progress](int64_t done, int64_t total) { progress.update(done, total); };

    // The application first: one that refuses its settings does so before any connection.
    auto application = start_application(job);
    if (!application) return application.error();
    options->application = application->application.get();
    options->dead_letters = application->dead_letters.get();
    options->observer = job.observer;
    const auto conf = connector_conf(job.config);
    std::vector<std::unique_ptr<Source>> readers;
    for (int i = 0; i < job.threads; ++i) {
        auto reader = Source::create(job.plugin, conf, job.diagnostics, source_settings(job.config));
        if (!reader) return reader.error();
        readers.push_back(std::move(*reader));
    }
    ParallelReader reader(std::move(readers));
    std::unique_ptr<Source> member; // group mode: the consumer that joins the group
    std::unique_ptr<Ownership> ownership;
    std::unique_ptr<ProgressStore> store;
    if (group_coordinated(job.config)) {
        auto joined = Source::create(job.plugin, conf, job.diagnostics, source_settings(job.config));
        if (!joined) return joined.error();
        member = std::move(*joined);
        const std::string instance = group_instance(job.config);
        auto group = std::make_unique<GroupOwnership>(
            GroupOwnershipOptions{job.config.get_string("kafka.group.id"), options->topics, instance, job.observer},
            *member,
            job.diagnostics, stop);
        store = std::make_unique<GroupProgress>(group_progress_options(job.config, *options, instance), *member,
                                                *group, job.diagnostics);
        ownership = std::move(group);
    } else {
        ownership = std::make_unique<AllPartitions>(stop);
        store = std::make_unique<CheckpointProgress>(
            CheckpointProgressOptions{options->checkpoint_dir, subscription_id(*options), options->keep_batches,
                                      options->commit_offsets},
            reader.primary(), job.diagnostics);
    }
    DirectStream stream(std::move(*options), reader.primary(), reader, *store, *ownership,
                        report_output(job, progress, stop), job.diagnostics, stop);
    Status result = stream.run();
    deadline.run_finished(result); // closing the sources below is bounded too
    return result;
}

// --mode receiver: the options of ReceiverStream; --topics takes topic:threads.
Result<ReceiverStreamOptions> receiver_options(const Config &config) {
    ReceiverStreamOptions o;
    o.test_hooks = test_hooks_from_environment();
    o.group = config.get_string("kafka.group.id");
    if (o.group.empty())
        return Error(ErrorKind::Usage, "receiver mode needs a consumer group", "--mode receiver",
                     "add --group NAME (or --conf kafka.group.id=NAME)");
    if (!config.get_string("stream.topicPattern").empty())
        return Error(ErrorKind::Usage, "receiver mode subscribes to named topics; --topic-pattern is for direct mode",
                     "--topic-pattern", "give --topics topic:threads,... instead");
    for (const auto &item : config.get_list("stream.topics")) {
        ReceiverTopic t{item, 1};
        if (const auto colon = item.rfind(':'); colon != std::string::npos) {
            t.topic = item.substr(0, colon);
            const std::string n = item.substr(colon + 1);
            const auto [ptr, ec] = std::from_chars(n.data(), n.data() + n.size(), t.threads);
            if (ec != std::errc{} || ptr != n.data() + n.size() || t.threads < 1 || t.threads > 64)
                return Error(ErrorKind::Usage, "invalid receiver thread count", "--topics " + item,
                             "write topic:threads with 1 to 64 threads, e.g. orders:2 (a bare topic means 1)");
        }
        if (t.topic.empty())
            return Error(ErrorKind::Usage, "empty topic name", "--topics " + item, "write topic or topic:threads");
        for (const auto &seen : o.topics)
            if (seen.topic == t.topic)
                return Error(ErrorKind::Usage, "topic named twice", "--topics " + item,
                             "name each topic once, with its thread count: orders:3");
        o.topics.push_back(std::move(t));
    }
    if (o.topics.empty())
        return Error(ErrorKind::Usage, "no topics to read", "", "give --topics topic:threads,... (e.g. orders:2,clicks)");
    auto earliest = parse_auto_offset_reset(config.get_string("kafka.auto.offset.reset"));
    if (!earliest) return earliest.error();
    o.from_earliest = *earliest;
    o.batch_interval = config.get_duration("stream.batchInterval");
    if (o.batch_interval.count() <= 0)
        return Error(ErrorKind::Usage, "the batch interval must be positive", config.get_string("stream.batchInterval"),
                     "use a duration such as 500ms or 2s");
    o.block_interval = config.get_duration("stream.blockInterval");
    if (o.block_interval.count() <= 0 || o.block_interval > o.batch_interval)
        return Error(ErrorKind::Usage, "stream.blockInterval must be positive and at most the batch interval",
                     "stream.blockInterval=" + config.get_string("stream.blockInterval"),
                     "use a fraction of --batch-interval, e.g. 200ms for 2s batches");
    if (const auto dir = config.get_string("stream.checkpoint.dir"); !dir.empty()) o.checkpoint_dir = dir;
    o.write_ahead_log = config.get_bool("stream.receiver.writeAheadLog.enable");
    if (o.write_ahead_log && !o.checkpoint_dir)
        return Error(ErrorKind::Usage, "the write-ahead log needs a checkpoint directory",
                     "stream.receiver.writeAheadLog.enable=true", "add --checkpoint DIR (the log goes to DIR/wal)");
    o.max_rate = config.get_int("stream.receiver.maxRate");
    o.max_buffered_bytes = config.get_int("stream.receiver.maxBufferedBytes");
    auto backpressure = backpressure_settings(config);
    if (!backpressure) return backpressure.error();
    o.backpressure = *backpressure;
    if (o.max_rate < 0 || o.max_buffered_bytes < 0)
        return Error(ErrorKind::Usage, "stream.receiver.maxRate and stream.receiver.maxBufferedBytes cannot be negative",
                     "", "use 0 for no limit");
    read_lifecycle(config, o);
    o.missing_topic_timeout = config.get_duration("stream.kafka.missingTopicTimeout");
    o.fail_on_data_loss = config.get_bool("stream.failOnDataLoss");
    return o;
}

// The job's one consumer (kJobConsumer) carries kafka.group.instance.id as given (static
// membership: a restart rejoins without waiting for the session timeout). With a connector
// without streams, receiver thread `index` gets its own consumer in the group, each id suffixed
// with its index. The control connection (kControlConnection) is a direct-mode handle that
// joins no group.
SourceFactory receiver_sources(const JobSetup &job) {
    return [&job](int index) {
        ConnectorConf conf;
        for (auto &[key, value] : job.config.with_prefix("kafka.")) {
            if (key == "auto.offset.reset") continue; // the effective value, default included, follows
            if (key == "group.instance.id") {
                if (index == runtime::kControlConnection) continue;
                conf.emplace_back(key, index == runtime::kJobConsumer ? value : fmt::format("{}-{}", value, index));
                continue;
            }
            conf.emplace_back(key, value);
        }
        // Where a group without committed offsets starts: what `streamsubmit config` shows for
        // receiver mode (the table's receiver default unless the user set it).
        if (index != runtime::kControlConnection)
            conf.emplace_back("auto.offset.reset", job.config.get_string("kafka.auto.offset.reset"));
        return Source::create(job.plugin, conf, job.diagnostics, source_settings(job.config));
    };
}

Status run_receiver_once(const JobSetup &job, StopSignal &stop, StopDeadline &deadline) {
    auto options = receiver_options(job.config);
    if (!options) return options.error();
    auto application = start_application(job);
    if (!application) return application.error();
    options->application = application->application.get();
    options->dead_letters = application->dead_letters.get();
    options->observer = job.observer;
    ProgressLine progress;
    ReceiverStream stream(std::move(*options), receiver_sources(job), report_output(job, progress, stop),
                          job.diagnostics, stop);
    Status result = stream.run();
    deadline.run_finished(result); // closing the sources below is bounded too
    return result;
}

Status run_once(const JobSetup &job, StopSignal &stop, StopDeadline &deadline) {
    deadline.run_started();
    if (job.config.get_string("stream.mode") == "receiver") return run_receiver_once(job, stop, deadline);
    return run_direct_once(job, stop, deadline);
}

// Restarting cannot fix these: the input itself is wrong.
bool worth_restarting(const Error &error) {
    return error.kind == ErrorKind::Kafka || error.kind == ErrorKind::Runtime;
}

// --supervise: run again after a failure, resuming from the checkpoint, with exponential
// backoff (1 s doubling to 60 s; back to 1 s after a run that lasted a minute). Stopped while
// it waits to restart, it exits with the failure it was waiting to retry: the job is failing.
Status supervise(const JobSetup &job, StopSignal &stop, StopDeadline &deadline) {
    auto backoff = std::chrono::seconds(1);
    for (int restarts = 0;; ++restarts) {
        const auto started = std::chrono::steady_clock::now();
        Status status = run_once(job, stop, deadline);
        if (status || stop.requested() || !worth_restarting(status.error())) return status;
        if (std::chrono::steady_clock::now() - started > std::chrono::minutes(1)) backoff = std::chrono::seconds(1);
        job.diagnostics(LogLevel::Warn, fmt::format("job failed: {}; restarting in {} s (--supervise, restart {})",
                                                    status.error().what, backoff.count(), restarts + 1));
        if (stop.wait_until(std::chrono::steady_clock::now() + backoff)) {
            Error failed = status.error();
            failed.what = "stopped while waiting to restart (--supervise) after: " + failed.what;
            return failed;
        }
        backoff = std::min(backoff * 2, std::chrono::seconds(60));
    }
}

Result<JobSetup> prepare_job(const JobArgs &args) {
    auto config = build_config(args);
    if (!config) return config.error();
    JobSetup job{std::move(*config), stderr_diagnostics(args.verbose), nullptr, 1, nullptr, {}, {}, nullptr, {}};
    if (args.verbose) std::fputs(("effective configuration:\n" + describe_config(job.config)).c_str(), stderr);

    if (job.config.get_string("stream.mode") == "receiver") {
        if (auto options = receiver_options(job.config); !options) return options.error(); // fail before resolving
    } else if (auto options = direct_options(job.config); !options) {
        return options.error();
    }
    if (!job.config.get("kafka.bootstrap.servers"))
        return Error(ErrorKind::Usage, "no Kafka brokers given", "kafka.bootstrap.servers",
                     "add --bootstrap-servers HOST:PORT, or start a local cluster with 'streamsubmit mock-cluster'");
    auto threads = reader_threads(job.config.get_string("stream.master"));
    if (!threads) return threads.error();
    job.threads = *threads;

    auto files = resolve_job_files(job.config, args.application, job.diagnostics, args.verbose);
    if (!files) return files.error();
    job.resolution = files->resolution;
    // A sink plugin may come with --packages/--plugins too (--sink names it) ...
    const bool sink_named = !job.config.get_string("stream.sink").empty();
    // ... and so may the python plugin of a Python job.
    const bool python_job = files->application && is_python_job(*files->application);
    auto plugin = select_plugin(files->plugins, Capability::Source,
                                sink_named || python_job ? std::vector<Capability>{Capability::Application}
                                                         : std::vector<Capability>{},
                                "kafka");
    if (!plugin) return plugin.error();
    job.plugin = std::move(*plugin);
    if (auto st = files->application ? load_primary_application(job, *files, args)
                                     : load_sink(job, files->plugins);
        !st)
        return st.error();
    KeyReaders readers{job.config.get_string("stream.sink"), {}};
    if (files->application && job.application)
        readers.application = job.application->name().empty() ? job.application->path().filename().string()
                                                               : job.application->name();
    for (const auto &warning : unused_key_warnings(job.config, readers)) job.diagnostics(LogLevel::Warn, warning);
    if (args.verbose)
        job.diagnostics(LogLevel::Info, fmt::format("plugin {} {} from {}", job.plugin->name(), job.plugin->version(),
                                                    job.plugin->path().string()));
    return job;
}

Status run_job(const JobArgs &args) {
    // The detached signal-watcher thread uses `stop` until the process ends: it must never be
    // destroyed (a local was, while a SIGINT was still being delivered: TSan data race).
    // Installed first, so a Ctrl-C while plugins load or packages resolve is a clean stop.
    StopSignal &stop = *new StopSignal;
    install_stop_handlers(stop);
    std::signal(SIGPIPE, SIG_IGN);
    auto job = prepare_job(args);
    if (!job) return job.error();
    const auto stop_timeout = job->config.get_duration("stream.stopTimeout");
    if (stop_timeout.count() <= 0)
        return Error(ErrorKind::Usage, "stream.stopTimeout must be positive",
                     "stream.stopTimeout=" + job->config.get_string("stream.stopTimeout"), "use a duration such as 30s");
    // Before the job connects: /readyz says "not ready" until it is assigned.
    auto endpoint = start_metrics(job->config, job->diagnostics);
    if (!endpoint) return endpoint.error();
    if (*endpoint) job->observer = &(*endpoint)->metrics();
    if (*endpoint && job->resolution) (*endpoint)->metrics().resolved(*job->resolution);
    // Receivers do not learn the log end: the lag metrics ask for it, once per batch interval.
    std::unique_ptr<metrics::WatermarkPoller> lag_poller;
    if (*endpoint && job->config.get_string("stream.mode") == "receiver")
        lag_poller = std::make_unique<metrics::WatermarkPoller>(
            (*endpoint)->metrics().state(), [&job] { return receiver_sources(*job)(-1); },
            job->config.get_duration("stream.batchInterval"), job->config.get_duration("stream.kafka.requestTimeout"),
            job->diagnostics);
    StopDeadline deadline(stop, stop_timeout);
    if (job->config.get_bool("stream.supervise")) return supervise(*job, stop, deadline);
    return run_once(*job, stop, deadline);
}

} // namespace

CommandAction add_submit_command(CLI::App &app, CommandSelection &selection) {
    auto root_args = std::make_shared<JobArgs>();
    add_job_options(app, *root_args);
    app.prefix_command(); // inherited by subcommands added later: main adds this one last
    auto submit_args = std::make_shared<JobArgs>();
    auto *submit = app.add_subcommand("submit", "Run a job (the same as without a subcommand)");
    add_job_options(*submit, *submit_args);
    submit->footer(job_help_footer());
    submit->final_callback([submit_args, submit, &selection] {
        selection.action = [submit_args, submit] {
            if (auto st = take_primary_resource(*submit_args, submit->remaining(), *submit); !st) return st;
            return run_job(*submit_args);
        };
    });
    return [root_args, &app] {
        if (auto st = take_primary_resource(*root_args, app.remaining(), app); !st) return st;
        return run_job(*root_args);
    };
}

} // namespace streamsubmit::cli
