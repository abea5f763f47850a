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
              "Time between batches, a duration such as 500ms, 2s or 1.5m", "0.1.0"},
    ConfigKey{"stream.master", KeyType::String, "local[*]", "--master",
              "local[N]: read with N threads; local[*] uses every core", "0.1.0"},
    ConfigKey{"stream.name", KeyType::String, "streamsubmit", "--name", "Name of the job, shown in diagnostics",
              "0.1.0"},
    ConfigKey{"stream.output", KeyType::Enum, "text", "--output",
              "Per-batch report on stdout: text lines or JSON Lines", "0.1.0", "text|json"},
    ConfigKey{"stream.until", KeyType::Enum, "", "--until",
              "latest: consume up to the offsets that are latest at start, then exit 0 (receiver mode stops fetching "
              "each partition once it reaches that offset; one that starts there, empty or caught up, is done at once)",
              "0.1.0", "latest"},
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
              "re-runs it). Closing one Kafka consumer may take a third of it, and so may each offset commit",
              "0.1.0"},
    ConfigKey{"stream.plugins", KeyType::List, "", "--plugins",
              "Plugin files (.so) to load, comma-separated; the bundled plugin directory is searched otherwise",
              "0.1.0"},
    ConfigKey{"stream.sink", KeyType::String, "", "--sink",
              "Sink that receives every record of every batch, configured by its own sink.NAME.* keys: a bundled "
              "one (files, exec, kafka) or a sink plugin from --packages or --plugins; without one the job reports "
              "offset ranges only",
              "0.1.0"},
    ConfigKey{"sink.*", KeyType::String, "", "",
              "Keys of the sink chosen with --sink NAME, written sink.NAME.KEY: the sink declares them (name, type, "
              "default), and they are checked against its declaration when the job starts",
              "0.1.0"},
    ConfigKey{"app.*", KeyType::String, "", "",
              "Any key for the application given as the primary resource, handed to its create() without the app. "
              "prefix (app.window=5 arrives as window=5); checked against the keys the application declares, if it "
              "declares any",
              "0.1.0"},
    ConfigKey{"app.python.pyFiles", KeyType::List, "", "--py-files",
              "Python job (job.py): .py files (imported by their stem, or MODULE=FILE) and .zip files (on "
              "sys.path), comma-separated, or their coordinates (a .py artifact imports as its artifactId, - as _); "
              "spark-submit's --py-files",
              "0.1.0"},
    ConfigKey{"app.python.venv", KeyType::String, "", "",
              "Python job: a virtual environment (python3.11 -m venv DIR) whose packages it imports; VIRTUAL_ENV "
              "when unset; a venv of another Python version is refused (exit 3)",
              "0.1.0"},
    ConfigKey{"app.python.keyDecoder", KeyType::String, "utf8", "",
              "Python job: how record keys are decoded: utf8 (str), bytes, json, or module:function (called with "
              "the bytes); a key that does not decode fails the batch (exit 8); with stream.key.format other than "
              "bytes the key arrives decoded and this stays utf8 (else exit 2)",
              "0.1.0"},
    ConfigKey{"app.python.valueDecoder", KeyType::String, "utf8", "",
              "Python job: how record values are decoded: utf8 (str), bytes, json, or module:function (called with "
              "the bytes); a value that does not decode fails the batch (exit 8); with stream.value.format other "
              "than bytes the value arrives decoded and this stays utf8 (else exit 2)",
              "0.1.0"},
    // --- rejected records (both modes; Kafka Connect's errors.* keys) ---
    ConfigKey{"stream.errors.tolerance", KeyType::Enum, "none", "",
              "What a record that the application, its decoder or its sink rejects does: none fails its batch "
              "(exit 8), all skips it, counts it (the report's rejected) and, with "
              "stream.errors.deadletterqueue.topic, produces it there",
              "0.1.0", "none|all"},
    ConfigKey{"stream.errors.deadletterqueue.topic", KeyType::String, "", "",
              "With stream.errors.tolerance=all: topic on the job's brokers that every rejected record is produced "
              "to before its batch commits (original key, value and headers; in the batch's transaction with "
              "sink.kafka.transactional=true, else by an idempotent producer); a topic that does not exist or the "
              "job may not see is exit 4 at start, one it may not write fails the batch with exit 4",
              "0.1.0"},
    ConfigKey{"stream.errors.deadletterqueue.context.headers.enable", KeyType::Bool, "true", "",
              "Add __streamsubmit.errors.* headers to each dead letter: topic, partition, offset, stage "
              "(decode, application, sink), exception.class.name, exception.message, job.name, batch.id",
              "0.1.0"},
    ConfigKey{"stream.errors.log.enable", KeyType::Bool, "false", "",
              "Log each rejected record's topic, partition, offset, stage and error on stderr", "0.1.0"},
    ConfigKey{"stream.errors.maxPerBatch", KeyType::Int, "1000", "",
              "With stream.errors.tolerance=all: a batch that rejects more records than this fails (exit 8), so a "
              "broken deployment does not route a whole topic to the dead-letter topic (0 = no limit)",
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
              "-1 latest); an offset past a partition's log end is refused (exit 4), one below its start counts as "
              "data loss (stream.failOnDataLoss)",
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
              "0.1.0", "checkpoint|group"},
    ConfigKey{"stream.kafka.requestTimeout", KeyType::Duration, "10s", "",
              "How long metadata and offset requests may take before the brokers count as unreachable; at "
              "start, brokers that took the connection but answer more slowly are asked again (a warning each "
              "time), as during a run, while an address where no broker answers ends the job (exit 4)",
              "0.1.0"},
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
              "Receiver mode: memory for received records not yet output (key and value plus 40 bytes each; a value of "
              "a few KiB kept in the fetch buffer counts 512 bytes more), shared "
              "by the receiver threads; at half full the batch closes early, when full receiving waits and after 1s "
              "fetching pauses until a batch frees some (0 = unlimited; see MEMORY in the man page)",
              "0.1.0"},
    // --- record formats (schema/, decoded by the sinks) ---
    ConfigKey{"stream.key.format", KeyType::Enum, "bytes", "",
              "How record keys are read: bytes (as they are) or a schema registry format (magic byte, schema id, "
              "payload) decoded with schemas from schema.registry.url: avro (Avro's JSON encoding), protobuf "
              "(proto3's JSON mapping), json-schema (the JSON text after the header); the json formats of the sinks write the decoded key "
              "with keySchemaId beside it",
              "0.1.0", "bytes|avro|protobuf|json-schema"},
    ConfigKey{"stream.value.format", KeyType::Enum, "bytes", "",
              "How record values are read: bytes (as they are) or avro, protobuf, json-schema as stream.key.format; "
              "a value that cannot be decoded (no magic byte, unknown schema id, a payload not of its schema) stops "
              "the job with exit 4 before its batch is committed, or with stream.errors.tolerance=all is rejected "
              "(stage decode: skipped, or to the dead-letter topic)",
              "0.1.0", "bytes|avro|protobuf|json-schema"},
    ConfigKey{"schema.registry.url", KeyType::List, "", "",
              "Schema registry with the Confluent-compatible REST API (for Apicurio Registry: "
              "http://HOST:PORT/apis/ccompat/v7), comma-separated URLs tried in order; required by a format other "
              "than bytes. Each schema id is fetched once and kept for the job's life",
              "0.1.0"},
    ConfigKey{"schema.registry.basic.auth.user.info", KeyType::String, "", "",
              "user:password for HTTP basic authentication with the schema registry; env:NAME or file:PATH to "
              "keep it out of the command line (redacted wherever the configuration is shown)",
              "0.1.0"},
    ConfigKey{"schema.registry.ssl.ca.location", KeyType::String, "", "",
              "PEM file of CA certificates for an https schema registry (default: the system's)", "0.1.0"},
    ConfigKey{"schema.registry.request.timeout", KeyType::Duration, "30s", "",
              "How long fetching one schema id may take, retrying every URL (no connection, timeouts, HTTP 5xx); "
              "then the job stops with exit 4 naming the URLs. Ids already fetched keep working while the registry "
              "is down",
              "0.1.0"},
    // --- monitoring (metrics/) ---
    ConfigKey{"metrics.address", KeyType::String, "", "--metrics-address",
              "HOST:PORT on which to serve Prometheus metrics (/metrics), the health probes (/healthz, /readyz) and "
              "the status page (/, its data under /api/); nothing listens unless set, and an address that cannot be "
              "bound is exit 2",
              "0.1.0"},
    ConfigKey{"metrics.livenessTimeout", KeyType::Duration, "5m", "",
              "/healthz fails when no batch ended for this long: give more than the longest batch takes (and, with "
              "stream.kafka.minOffsetsPerBatch, more than stream.kafka.maxBatchDelay)",
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
    ConfigKey{"resolver.allowInsecureHttp", KeyType::List, "", "",
              "Hosts whose plain http:// repositories may be used anyway, comma-separated, with a warning on every "
              "use; without one, http:// is refused (exit 5) for every host outside loopback (localhost, 127.0.0.0/8, "
              "::1)",
              "0.1.0"},
    ConfigKey{"resolver.trustedKeys", KeyType::List, "", "",
              "OpenPGP keys trusted to sign artifacts, comma-separated: public key files (gpg --export --armor), "
              "directories of them, or full fingerprints (then only those keys of the files are trusted); checked in "
              "a private keyring, never ~/.gnupg",
              "0.1.0"},
    ConfigKey{"resolver.signaturePolicy", KeyType::Enum, "", "",
              "What an artifact whose .asc signature is missing, by an untrusted key or bad does: require refuses it "
              "(exit 5), warn accepts it with a warning (a bad signature is always refused), ignore does not check; "
              "unset: require for native plugins and applications, warn for the rest",
              "0.1.0", "warn|require|ignore"},
    // --- Kafka (passed to librdkafka without the kafka. prefix) ---
    ConfigKey{"kafka.bootstrap.servers", KeyType::String, "", "--bootstrap-servers",
              "Kafka brokers, host:port[,host:port]", "0.1.0"},
    ConfigKey{"kafka.auto.offset.reset", KeyType::Enum, "latest", "",
              "Where to start without a checkpoint or starting offsets (direct mode), or where a receiver-mode group "
              "without committed offsets starts (smallest and largest are accepted too)",
              "0.1.0", "earliest|latest|smallest|largest", "earliest"},
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
