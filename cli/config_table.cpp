#include "cli/config_table.h"

#include <array>

namespace streamsubmit::cli {
namespace {

constexpr std::array kKeys = {
    // --- the job ---
    ConfigKey{"stream.mode", KeyType::Enum, "direct", "--mode",
              "Consumer to run: direct (offset ranges planned per batch) or receiver (consumer group)", "0.1.0",
              "direct|receiver"},
    ConfigKey{"stream.topics", KeyType::List, "", "--topics",
              "Topics to consume, comma-separated; in receiver mode topic:threads (receiver threads, default 1)",
              "0.1.0"},
    ConfigKey{"stream.topicPattern", KeyType::String, "", "--topic-pattern",
              "Consume every topic whose whole name matches this ECMAScript regular expression", "0.1.0"},
    ConfigKey{"stream.batchInterval", KeyType::Duration, "2s", "--batch-interval",
              "Time between batches (ms, s, m suffixes)", "0.1.0"},
    ConfigKey{"stream.master", KeyType::String, "local[*]", "--master",
              "local[N]: read with N threads; local[*] uses every core", "0.1.0"},
    ConfigKey{"stream.name", KeyType::String, "streamsubmit", "--name", "Name of the job, shown in diagnostics",
              "0.1.0"},
    ConfigKey{"stream.output", KeyType::Enum, "text", "--output",
              "Per-batch report on stdout: text lines or JSON Lines", "0.1.0", "text|json"},
    ConfigKey{"stream.until", KeyType::Enum, "", "--until",
              "latest: consume up to the offsets that are latest at start, then exit 0", "0.1.0", "latest"},
    ConfigKey{"stream.maxBatches", KeyType::Int, "0", "--max-batches", "Stop after this many batches (0 = no limit)",
              "0.1.0"},
    ConfigKey{"stream.checkpoint.dir", KeyType::String, "", "--checkpoint",
              "Directory where planned and completed batches are recorded; a restart resumes from it", "0.1.0"},
    ConfigKey{"stream.checkpoint.keepBatches", KeyType::Int, "10", "",
              "Number of most recent batch records kept in the checkpoint directory", "0.1.0"},
    ConfigKey{"stream.supervise", KeyType::Bool, "false", "--supervise",
              "Restart the job after a failure, with backoff, resuming from its checkpoint", "0.1.0"},
    ConfigKey{"stream.stopTimeout", KeyType::Duration, "30s", "",
              "Longest wait for the batch in flight and for closing Kafka connections after SIGINT/SIGTERM or the "
              "job's end, in both modes; then the process exits (7 when the batch did not finish; the checkpoint "
              "re-runs it). Closing one Kafka consumer may take a third of it",
              "0.1.0"},
    ConfigKey{"stream.plugins", KeyType::List, "", "--plugins",
              "Plugin files (.so) to load, comma-separated; the bundled plugin directory is searched otherwise",
              "0.1.0"},
    ConfigKey{"stream.sink", KeyType::Enum, "", "--sink",
              "Bundled sink that receives every record of every batch (configured by sink.NAME.*); without one "
              "the job reports offset ranges only",
              "0.1.0", "files|exec|kafka"},
    // --- sinks ---
    ConfigKey{"sink.files.dir", KeyType::String, "", "",
              "files sink: directory for the batch files (created if missing), one file per partition range named "
              "topic+partition+startOffset; required with --sink files",
              "0.1.0"},
    ConfigKey{"sink.files.format", KeyType::Enum, "json", "",
              "files sink: json (JSON Lines, one object per record with the fields topic, partition, offset, "
              "timestamp, key, value, headers) or raw (each value followed by sink.files.delimiter)",
              "0.1.0", "json|raw"},
    ConfigKey{"sink.files.delimiter", KeyType::String, "\\n", "",
              "files sink, raw format: written after every value; C escapes \\n \\t \\r \\0 \\\\ \\xHH",
              "0.1.0"},
    ConfigKey{"sink.kafka.topic", KeyType::String, "", "",
              "kafka sink: topic the records are produced to; required with --sink kafka", "0.2.0"},
    ConfigKey{"sink.kafka.format", KeyType::Enum, "mirror", "",
              "kafka sink: mirror (each record's key, value and headers) or json (the files sink's JSON envelope, "
              "naming the input topic, partition and offset)",
              "0.2.0", "mirror|json"},
    ConfigKey{"sink.kafka.transactional", KeyType::Bool, "false", "",
              "kafka sink: one Kafka transaction per batch that also commits the batch's offsets to kafka.group.id "
              "(exactly once for read_committed consumers); false: an idempotent producer, at-least-once",
              "0.2.0"},
    ConfigKey{"sink.kafka.transaction.timeout.ms", KeyType::Int, "60000", "",
              "kafka sink: the producer's transaction.timeout.ms; a batch's transaction must end within it, so it "
              "must exceed the batch interval (checked at start)",
              "0.2.0"},
    ConfigKey{"sink.kafka.transactional.id", KeyType::String, "", "",
              "kafka sink: the producer's transactional.id (default streamsubmit-GROUP-TOPIC, plus -INSTANCE with "
              "kafka.group.instance.id); a restart with the same id fences the previous incarnation",
              "0.2.0"},
    ConfigKey{"sink.exec.command", KeyType::String, "", "",
              "exec sink: shell command (run with /bin/sh -c) that gets each batch's records on stdin, with "
              "STREAMSUBMIT_BATCH_ID and STREAMSUBMIT_RANGES (JSON) set; its stdout goes to stderr; exit 0 commits "
              "the batch; required with --sink exec",
              "0.1.0"},
    ConfigKey{"sink.exec.per", KeyType::Enum, "batch", "",
              "exec sink: run the command once per batch, or once per partition range (in parallel, with "
              "STREAMSUBMIT_TOPIC and STREAMSUBMIT_PARTITION set); a batch or range without records runs nothing",
              "0.1.0", "batch|partition"},
    ConfigKey{"sink.exec.format", KeyType::Enum, "json", "",
              "exec sink: records on stdin as JSON Lines (the files sink's fields) or raw values, each followed by "
              "sink.exec.delimiter",
              "0.1.0", "json|raw"},
    ConfigKey{"sink.exec.delimiter", KeyType::String, "\\n", "",
              "exec sink, raw format: written after every value; C escapes \\n \\t \\r \\0 \\\\ \\xHH",
              "0.1.0"},
    ConfigKey{"sink.exec.retries", KeyType::Int, "2", "",
              "exec sink: further runs of a failed command (0.5 s apart, doubling) before the batch fails and the job "
              "exits 8 with the batch left planned, so a restart re-runs it",
              "0.1.0"},
    ConfigKey{"app.*", KeyType::String, "", "",
              "Any key for the application given as the primary resource, handed to its create() without the app. "
              "prefix (app.window=5 arrives as window=5)",
              "0.1.0"},
    // --- direct mode ---
    ConfigKey{"stream.kafka.maxRatePerPartition", KeyType::Int, "0", "",
              "Records per second per partition; a batch reads at most rate * batchInterval (0 = unlimited)",
              "0.1.0"},
    ConfigKey{"stream.kafka.maxOffsetsPerBatch", KeyType::Int, "0", "",
              "Total records per batch, split across partitions in proportion to their lag (0 = unlimited)",
              "0.1.0"},
    ConfigKey{"stream.startingOffsets", KeyType::Json, "", "",
              "Starting offsets when there is no checkpoint: JSON {\"topic\":{\"0\":23,\"1\":-2}} (-2 earliest, "
              "-1 latest)",
              "0.1.0"},
    ConfigKey{"stream.startingTimestamp", KeyType::Int, "", "",
              "Start at the first record at or after this epoch-ms timestamp when there is no checkpoint", "0.1.0"},
    ConfigKey{"stream.failOnDataLoss", KeyType::Bool, "true", "",
              "Fail when planned offsets were deleted by retention; false warns and continues from the earliest",
              "0.1.0"},
    ConfigKey{"stream.kafka.commitOffsets", KeyType::Bool, "false", "",
              "After each completed batch, commit its until offsets to kafka.group.id so Kafka's tools show lag",
              "0.1.0"},
    ConfigKey{"stream.kafka.coordination", KeyType::Enum, "checkpoint", "",
              "Direct mode: checkpoint (one instance reads every partition, progress in --checkpoint) or group "
              "(instances with the same --group split the partitions; progress is committed to the group)",
              "0.2.0", "checkpoint|group"},
    ConfigKey{"stream.kafka.requestTimeout", KeyType::Duration, "10s", "",
              "How long metadata and offset requests may take before the brokers count as unreachable", "0.1.0"},
    ConfigKey{"stream.kafka.minOffsetsPerBatch", KeyType::Int, "0", "",
              "Wait for at least this many new records (all partitions together) before running a batch, but no "
              "longer than stream.kafka.maxBatchDelay since the last batch (0 = run every interval); not with "
              "--until latest",
              "0.1.0"},
    ConfigKey{"stream.kafka.maxBatchDelay", KeyType::Duration, "15m", "",
              "With stream.kafka.minOffsetsPerBatch: the longest time after the last batch that a batch waits for "
              "enough records",
              "0.1.0"},
    ConfigKey{"stream.kafka.missingTopicTimeout", KeyType::Duration, "60s", "",
              "Both modes: a topic the brokers do not know for this long was deleted: exit 4 naming it, or with "
              "stream.failOnDataLoss=false (and always with --topic-pattern) warn once, drop its partitions and go on "
              "with the other topics",
              "0.1.0"},
    // --- backpressure (both modes) ---
    ConfigKey{"stream.backpressure.enabled", KeyType::Bool, "false", "",
              "Size batches by what the job processes: a PID estimator fed by each batch's records, processing time "
              "and scheduling delay sets the records/s of the next batch (direct: split across partitions by lag; "
              "receiver: the receivers' rate limits)",
              "0.1.0"},
    ConfigKey{"stream.backpressure.initialRate", KeyType::Int, "0", "",
              "Records per second for the whole stream until the estimator has its first estimate (0 = unlimited)",
              "0.1.0"},
    ConfigKey{"stream.backpressure.pid.proportional", KeyType::Double, "1.0", "",
              "Weight of the difference between the last rate and the measured processing rate", "0.1.0"},
    ConfigKey{"stream.backpressure.pid.integral", KeyType::Double, "0.2", "",
              "Weight of the scheduling delay (records that earlier batches could not take in time)", "0.1.0"},
    ConfigKey{"stream.backpressure.pid.derived", KeyType::Double, "0.0", "",
              "Weight of the change of the error since the last batch (derivative term)", "0.1.0"},
    ConfigKey{"stream.backpressure.pid.minRate", KeyType::Double, "100", "",
              "The estimator never goes below this many records per second (must be above 0)", "0.1.0"},
    // --- receiver mode ---
    ConfigKey{"stream.blockInterval", KeyType::Duration, "200ms", "",
              "Receiver mode: received records are cut into blocks this often; the blocks of one batch interval "
              "form a batch",
              "0.1.0"},
    ConfigKey{"stream.receiver.writeAheadLog.enable", KeyType::Bool, "false", "",
              "Receiver mode: append and fsync every block to a write-ahead log in the --checkpoint directory before "
              "committing its offsets, and replay unfinished batches after a crash (no data loss)",
              "0.1.0"},
    ConfigKey{"stream.receiver.maxRate", KeyType::Int, "0", "",
              "Receiver mode: records per second each receiver thread takes at most (0 = unlimited)", "0.1.0"},
    ConfigKey{"stream.receiver.maxBufferedBytes", KeyType::Int, "33554432", "",
              "Receiver mode: memory for received records not yet output (key and value plus 40 bytes each), shared "
              "by the receiver threads; at half full the batch closes early, when full receiving waits and after 1s "
              "fetching pauses until a batch frees some (0 = unlimited; see MEMORY in the man page)",
              "0.1.0"},
    // --- packages (resolver/) ---
    ConfigKey{"resolver.packages", KeyType::List, "", "--packages",
              "Maven packages (g:a:v) to resolve with their dependencies; native plugins among them are loaded",
              "0.1.0"},
    ConfigKey{"resolver.excludePackages", KeyType::List, "", "--exclude-packages",
              "groupId:artifactId to leave out when resolving --packages ('*' allowed), comma-separated", "0.1.0"},
    ConfigKey{"resolver.userRepositories", KeyType::List, "", "--repositories",
              "Extra repositories (http, https, file://; https://user:password@host/ for credentials), tried after "
              "~/.m2 and before resolver.repositories",
              "0.1.0"},
    ConfigKey{"resolver.repositories", KeyType::List, "https://repo1.maven.org/maven2", "",
              "Default repositories for --packages, tried last, comma-separated", "0.1.0"},
    ConfigKey{"resolver.offline", KeyType::Bool, "false", "--offline",
              "Resolve --packages from the cache and file repositories only; missing files are named", "0.1.0"},
    ConfigKey{"resolver.lockfile", KeyType::String, "", "--lockfile",
              "JSON lockfile for --packages: written when absent; when present resolution is pinned to it and "
              "every sha256 verified",
              "0.1.0"},
    ConfigKey{"resolver.ttl", KeyType::Duration, "24h", "",
              "How long cached maven-metadata.xml, SNAPSHOTs and resolved graphs stay fresh; releases are never downloaded again",
              "0.1.0"},
    ConfigKey{"resolver.checksumPolicy", KeyType::Enum, "warn", "",
              "When a repository publishes no checksum: warn, fail, or ignore checksums; a mismatch always fails",
              "0.1.0", "warn|fail|ignore"},
    ConfigKey{"resolver.caBundle", KeyType::String, "", "",
              "PEM file of CA certificates for https repositories (default: the system's)", "0.1.0"},
    // --- Kafka (passed to librdkafka without the kafka. prefix) ---
    ConfigKey{"kafka.bootstrap.servers", KeyType::String, "", "--bootstrap-servers",
              "Kafka brokers, host:port[,host:port]", "0.1.0"},
    ConfigKey{"kafka.auto.offset.reset", KeyType::Enum, "latest", "",
              "Where to start without a checkpoint or starting offsets (smallest and largest are accepted too)",
              "0.1.0", "earliest|latest|smallest|largest"},
    ConfigKey{"kafka.group.id", KeyType::String, "", "--group",
              "Consumer group: required by receiver mode, stream.kafka.coordination=group and "
              "stream.kafka.commitOffsets",
              "0.1.0"},
    ConfigKey{"kafka.*", KeyType::String, "", "",
              "Any other librdkafka property, for example kafka.security.protocol=SASL_SSL; librdkafka validates it",
              "0.1.0"},
};

} // namespace

std::string_view key_type_name(KeyType type) {
    switch (type) {
    case KeyType::String: return "string";
    case KeyType::Int: return "int";
    case KeyType::Bool: return "bool";
    case KeyType::Duration: return "duration";
    case KeyType::List: return "list";
    case KeyType::Json: return "json";
    case KeyType::Enum: return "enum";
    case KeyType::Double: return "double";
    }
    return "string";
}

std::span<const ConfigKey> config_keys() { return kKeys; }

bool is_passthrough_key(std::string_view name) {
    for (const auto &key : kKeys) {
        if (!key.name.ends_with(".*")) continue;
        const auto prefix = key.name.substr(0, key.name.size() - 1); // "kafka."
        if (name.starts_with(prefix) && name.size() > prefix.size()) return true;
    }
    return false;
}

const ConfigKey *find_config_key(std::string_view name) {
    for (const auto &key : kKeys)
        if (key.name == name) return &key;
    return nullptr;
}

} // namespace streamsubmit::cli
