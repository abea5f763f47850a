#include "runtime/plugin/plugin_call.h"

#include "common/guarded.h"

namespace streamsubmit::runtime {

void log_from_plugin(void *ctx, ss_log_level level, const char *message) noexcept {
    // A message that cannot be written (stderr gone, no memory) is dropped: logging never fails.
    static_cast<void>(run_guarded("a plugin's log message", [&] {
        const auto &diagnostics = *static_cast<const Diagnostics *>(ctx);
        if (!diagnostics) return ok_status();
        const LogLevel mapped = level == SS_LOG_ERROR  ? LogLevel::Error
                                : level == SS_LOG_WARN ? LogLevel::Warn
                                : level == SS_LOG_INFO ? LogLevel::Info
                                                       : LogLevel::Debug;
        diagnostics(mapped, message ? message : "");
        return ok_status();
    }));
}

ss_error empty_error() {
    ss_error err{};
    err.struct_size = sizeof(ss_error);
    return err;
}

ss_host_api host_api(const Diagnostics *diagnostics) {
    ss_host_api host{};
    host.struct_size = sizeof(ss_host_api);
    host.abi_major = SS_PLUGIN_ABI_MAJOR;
    host.abi_minor = SS_PLUGIN_ABI_MINOR;
    host.host_version = STREAMSUBMIT_VERSION;
    host.log = &log_from_plugin;
    host.log_ctx = const_cast<Diagnostics *>(diagnostics);
    return host;
}

namespace {
Error error_of(ss_status status, const ss_error &err) {
    const std::string message = err.message[0] ? err.message : "unknown error";
    switch (status) {
    case SS_ERR_CONFIG:
        return Error(ErrorKind::Usage, message, "", "fix or remove the kafka.* setting it names");
    case SS_ERR_UNREACHABLE:
        return Error(ErrorKind::Kafka, "cannot reach Kafka: " + message, "",
                     "check --bootstrap-servers and that the brokers are running; brokers that are up but slow to "
                     "answer need a longer --conf stream.kafka.requestTimeout=DURATION")
            .set_retriable();
    case SS_ERR_UNKNOWN_TOPIC:
        return Error(ErrorKind::Kafka, message, "", "create the topic, or correct --topics");
    case SS_ERR_OFFSET_OUT_OF_RANGE:
        return Error(ErrorKind::Kafka, message, "",
                     "set stream.failOnDataLoss=false to continue from the earliest available offset");
    case SS_ERR_TIMEOUT:
    case SS_ERR_BROKER_TRANSIENT:
        return Error(ErrorKind::Kafka, message, "", "check the brokers' health and logs").set_retriable();
    case SS_ERR_BROKER:
        return Error(ErrorKind::Kafka, message, "", "check the brokers' health and logs");
    case SS_ERR_FENCED:
        return Error(ErrorKind::Kafka, message, "",
                     "another member of the consumer group owns these partitions now; this instance's batch was not "
                     "committed");
    case SS_ERR_AUTHENTICATION:
        return Error(ErrorKind::Kafka, message, "",
                     "check --conf kafka.sasl.username and kafka.sasl.password (or their env:/file: sources) and "
                     "kafka.sasl.mechanism against the broker's listener");
    case SS_ERR_TLS:
        return Error(ErrorKind::Kafka, message, "",
                     "give the CA that signed the broker's certificate with --conf kafka.ssl.ca.location=FILE, and "
                     "connect with a host name the certificate names");
    case SS_ERR_REBALANCED:
        return Error(ErrorKind::Kafka, message, "",
                     "the consumer group rebalanced while the batch ran; its partitions are planned again")
            .set_retriable();
    case SS_ERR_BAD_RECORD:
        return Error(ErrorKind::Kafka, message, "",
                     "check stream.value.format, stream.key.format and schema.registry.url against what the "
                     "producer writes; the batch was not committed");
    case SS_ERR_INTERRUPTED: return Error(ErrorKind::Interrupted, message);
    case SS_ERR_REJECTED:
        return Error(ErrorKind::Application, message, "",
                     "fix what rejects the record, or set --conf stream.errors.tolerance=all to skip rejected records");
    case SS_ERR_UNSUPPORTED:
        return Error(ErrorKind::PluginLoad, message, "", "use a plugin version that implements this call");
    case SS_OK:
    case SS_ERR_INTERNAL: break;
    }
    return Error(ErrorKind::Runtime, message, "", "report this as a bug in the plugin");
}

Cause cause_of(ss_status status) {
    switch (status) {
    case SS_ERR_UNKNOWN_TOPIC: return Cause::UnknownTopic;
    case SS_ERR_OFFSET_OUT_OF_RANGE: return Cause::OffsetOutOfRange;
    case SS_ERR_FENCED: return Cause::Fenced;
    case SS_ERR_REBALANCED: return Cause::Rebalanced;
    case SS_ERR_INTERRUPTED: return Cause::Interrupted;
    case SS_ERR_TIMEOUT: return Cause::Timeout;
    case SS_ERR_UNREACHABLE: return Cause::Unreachable;
    default: return Cause::None;
    }
}
} // namespace

Error source_error(ss_status status, const ss_error &err) {
    Error e = error_of(status, err).set_cause(cause_of(status));
    if (plugin_hint(err)) e.hint = err.hint;
    return e;
}

bool plugin_hint(const ss_error &err) {
    return SS_HAS_FIELD(ss_error, &err, hint) && err.hint[0] != '\0';
}

} // namespace streamsubmit::runtime
