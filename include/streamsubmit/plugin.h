/*
 * streamsubmit plugin ABI 2.5 — the one contract between the runtime and its plugins.
 * A plugin author's guide, with a minimal source, sink and application, is
 * include/streamsubmit/README.md (installed beside this header).
 *
 * A plugin is a shared object that exports exactly one C symbol,
 * STREAMSUBMIT_PLUGIN_ENTRY_SYMBOL. The host calls it with its own ABI version and gets a
 * pointer to a static ss_plugin_descriptor. The host checks magic, ABI major and struct
 * size before it reads any other field (as PostgreSQL checks PG_MODULE_MAGIC), so a plugin
 * built against another ABI is refused instead of crashing the host; the plugin, told the
 * host's version, may refuse an older host by returning NULL.
 *
 * Rules for both sides:
 *  - plain C types only; no exception and no longjmp crosses this boundary;
 *  - a fallible call returns an ss_status, the one source of truth of its outcome; on
 *    failure it also writes a message into the caller's ss_error (ss_error_set);
 *  - every struct that may grow starts with uint32_t struct_size (as its writer was built),
 *    and a reader reads only the fields inside it (SS_HAS_FIELD); every table only ever
 *    grows at its end, and a table's optional calls and sub-tables may be NULL;
 *  - every array travels with its stride (the element size as its writer was built, never
 *    less than the element's size in ABI 2.0; a reader refuses a smaller one): index it with
 *    ss_at(), never with sizeof of your own build. ss_record also starts with struct_size,
 *    which says which of its fields the writer knew; the stride argument is what to step by;
 *  - strings and arrays handed to a call are valid only for the duration of that call
 *    unless the call says otherwise: copy what you keep;
 *  - unless a call says otherwise, a pointer argument (and a pointer field of a struct the
 *    host fills, such as params->host) is never NULL, and a call runs on the
 *    thread that made the call it is named after.
 *
 * A plugin offers capabilities, each a table in its descriptor: a source connector
 * (ss_source_api, with sub-tables for direct reading, group consumption and group
 * membership) and an application (ss_application_api; a sink is an application that
 * declares its configuration keys). The host picks a source connector or an application by
 * the table it needs, a sink (--sink NAME) by its descriptor's name among the plugins with an
 * application table, and refuses at load a table whose required calls are NULL. An embedded test cluster
 * is declared in <streamsubmit/testing.h>, not here.
 * Declare the descriptor with STREAMSUBMIT_PLUGIN(...) at the end of this file.
 */
#ifndef STREAMSUBMIT_PLUGIN_H
#define STREAMSUBMIT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SS_PLUGIN_MAGIC 0x53535031u /* "SSP1": a streamsubmit plugin, of any ABI major */
#define SS_PLUGIN_ABI_MAJOR 2u
/* 2.1: ss_consumer_api streams (route_assigned, poll_stream); 2.2: dead letters (ss_host_api.reject,
 * ss_app_params.dead_letter_topic, ss_application_api.write_dead_letters); 2.3: records of a schema
 * registry format decoded by the host (ss_host_api.decode); 2.4: connector defaults an application
 * asks for (ss_application_api.source_defaults); 2.5: a stream's records kept without a copy
 * (ss_consumer_api.retain_records, release_records) */
#define SS_PLUGIN_ABI_MINOR 5u
#define STREAMSUBMIT_PLUGIN_ENTRY_SYMBOL "streamsubmit_plugin_entry"

#if defined(__GNUC__)
#define SS_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define SS_PLUGIN_EXPORT
#endif

/* Whether `ptr` (a struct with struct_size first) contains `field`, as its writer was built. */
#define SS_HAS_FIELD(type, ptr, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(((const type *)0)->field))

/* Element i of an array with the given stride (bytes between elements). */
#define ss_at(type, array, stride, i) ((type *)(void *)((char *)(array) + (size_t)(i) * (stride)))
#define ss_const_at(type, array, stride, i) \
    ((const type *)(const void *)((const char *)(array) + (size_t)(i) * (stride)))

typedef enum ss_status {
    SS_OK = 0,
    SS_ERR_CONFIG = 1,              /* a configuration key or value was rejected */
    SS_ERR_UNREACHABLE = 2,         /* no broker answered in time (retriable) */
    SS_ERR_UNKNOWN_TOPIC = 3,       /* a named topic does not exist */
    SS_ERR_OFFSET_OUT_OF_RANGE = 4, /* a requested offset is gone (retention) */
    SS_ERR_TIMEOUT = 5,             /* a request did not complete in time (retriable) */
    SS_ERR_INTERRUPTED = 6,         /* interrupt() was called, or a callback said stop */
    SS_ERR_UNSUPPORTED = 7,         /* this plugin does not implement the call */
    SS_ERR_BROKER = 8,              /* any other error reported by the brokers; retrying will not help */
    SS_ERR_INTERNAL = 9,
    /* The group no longer counts this member as the owner of the partitions (a rebalance
     * moved them, or the session expired): the batch is not committed. */
    SS_ERR_FENCED = 10,
    SS_ERR_BROKER_TRANSIENT = 11, /* a broker error that may pass (leader moving, coordinator loading; retriable) */
    SS_ERR_AUTHENTICATION = 12,   /* the brokers refused the credentials (SASL); retrying will not help */
    SS_ERR_TLS = 13,              /* the TLS handshake failed (certificate not trusted, host name mismatch) */
    /* Group mode: the batch's partitions moved on without it — the consumer group moved to a
     * newer generation while it ran, or another instance committed one of them since (a
     * sink's own progress): the batch is not committed, and the host plans its partitions
     * again from the group's committed offsets and the application's recover. Not a failure. */
    SS_ERR_REBALANCED = 14,
    /* An application could not decode a record in the job's record format
     * (ss_app_params.format_conf: no schema registry header, an unknown schema id, a payload
     * that does not match its schema) or could not fetch its schema from the registry in
     * time: the batch is not committed and the job stops (exit 4). */
    SS_ERR_BAD_RECORD = 15,
    /* ABI 2.2: the host does not take a rejected record (stream.errors.tolerance=none, or the
     * batch reached stream.errors.maxPerBatch): return it from process to fail the batch. */
    SS_ERR_REJECTED = 16
} ss_status;

/* Where a failed call explains itself. Allocated by the caller (struct_size set by it); the
 * callee writes a NUL-terminated, human-readable message without a trailing newline and,
 * optionally, a hint: what the user can do about it (the host prints its own otherwise). The
 * status is the call's return value, never stored here. */
typedef struct ss_error {
    uint32_t struct_size;
    char message[1024];
    char hint[512];
} ss_error;

/* Copies text into one of err's fields, truncated to what both the caller's struct_size and
 * this build's field hold (a newer host's struct may be bigger). */
static inline void ss_error_copy_(ss_error *err, char *field, size_t field_size, const char *text) {
    const size_t offset = (size_t)(field - (char *)err);
    if (!err || err->struct_size < offset + 1) return;
    const size_t room = err->struct_size - offset < field_size ? err->struct_size - offset : field_size;
    snprintf(field, room, "%s", text ? text : "");
}

/* Writes `message` into err and returns `status`, so a call can end with
 * `return ss_error_set(err, SS_ERR_CONFIG, "...");`. err may be NULL. */
static inline ss_status ss_error_set(ss_error *err, ss_status status, const char *message) {
    if (err) ss_error_copy_(err, err->message, sizeof err->message, message);
    return status;
}

/* Writes `hint` (what the user can do, e.g. "add --conf sink.lines.path=FILE"). err may be NULL. */
static inline void ss_error_hint(ss_error *err, const char *hint) {
    if (err) ss_error_copy_(err, err->hint, sizeof err->hint, hint);
}

/* An empty ss_error of this build, for a plugin that makes one of its own:
 * `ss_error err = SS_ERROR_INIT;` */
#define SS_ERROR_INIT {(uint32_t)sizeof(ss_error), {0}, {0}}

typedef struct ss_kv {
    const char *key;
    const char *value;
} ss_kv;

typedef enum ss_log_level { SS_LOG_DEBUG = 0, SS_LOG_INFO = 1, SS_LOG_WARN = 2, SS_LOG_ERROR = 3 } ss_log_level;

/* Diagnostics from the plugin; the host decides where they go (stderr). Any thread, any time
 * between create and the end of destroy (also from the plugin's own threads); `message` is
 * copied before log returns; never fails, never blocks for long. */
typedef void (*ss_log_fn)(void *log_ctx, ss_log_level level, const char *message);

struct ss_batch;
struct ss_record;

/* ABI 2.2: where in the job a record was rejected (the __streamsubmit.errors.stage header). */
typedef enum ss_reject_stage {
    SS_STAGE_DECODE = 1,      /* its key or value could not be decoded */
    SS_STAGE_APPLICATION = 2, /* the application refused it */
    SS_STAGE_SINK = 3         /* the sink's output refused it (a Kafka producer: too large) */
} ss_reject_stage;

/* ABI 2.2: rejects one record the application (or sink) cannot take, instead of failing the
 * batch (Kafka Connect's errors.tolerance): the host leaves it out of the batch's count of good
 * records, logs it (stream.errors.log.enable) and produces it to the dead-letter topic
 * (stream.errors.deadletterqueue.topic) before the batch commits.
 *  - thread: only from inside process() (the reader thread that runs it) or finish_range(),
 *    for `batch` and a record of `records` that call was given (any other record pointer of
 *    the batch's ranges also works: the host copies what it needs);
 *  - lifetime: the host copies the record (key, value, headers, coordinates) and the strings
 *    before reject returns; nothing is kept;
 *  - NULL: error_class and reason may be NULL (then empty); batch, record and err may not;
 *  - returns SS_OK when the host took the record: the application leaves it out of its
 *    output and goes on. SS_ERR_REJECTED (err says why) when the job does not tolerate it
 *    (stream.errors.tolerance=none, or the batch passed stream.errors.maxPerBatch): return
 *    that from process; the host fails the batch (exit 8) whatever the application returns. */
typedef ss_status (*ss_reject_fn)(void *reject_ctx, const struct ss_batch *batch, const struct ss_record *record,
                                  ss_reject_stage stage, const char *error_class, const char *reason, ss_error *err);

/* ABI 2.3: which part of a record ss_decode_fn decodes. */
typedef enum ss_record_part {
    SS_PART_KEY = 1,
    SS_PART_VALUE = 2
} ss_record_part;

/* ABI 2.3: a record's key or value in a schema registry format (ss_app_params.format_conf:
 * stream.key.format / stream.value.format = avro, protobuf or json-schema) decoded by the host
 * into JSON text: the same JSON the sinks write (Avro's JSON encoding, proto3's canonical JSON
 * mapping, a JSON Schema payload on one line), so an application never links Avro, Protobuf or
 * an HTTP client itself. The host fetches each schema id once for the job (shared by the
 * reader threads).
 *  - thread: from inside process() or finish_range() (any reader thread, at once), for a record
 *    that call was given;
 *  - lifetime: *json points to host memory, valid until the next decode call for the same
 *    `part` on the same thread, and at most until the application's call that made it returns:
 *    copy what you keep. The application never frees it;
 *  - NULL: record, json, json_len, schema_id and err may not be NULL;
 *  - returns SS_OK with *json (NUL-terminated, *json_len bytes without the NUL) and *schema_id
 *    (the id of the wire format's header). A null key or value (a tombstone): SS_OK with
 *    *json = NULL, *json_len = 0, *schema_id = -1;
 *  - SS_ERR_UNSUPPORTED when that part's format is bytes (nothing to decode; read record->key
 *    or record->value as they are);
 *  - SS_ERR_BAD_RECORD (err names topic, partition, offset and schema id, with a hint) when the
 *    bytes have no magic byte, an unknown schema id, a payload that is not of its schema, or a
 *    schema the registry did not give within schema.registry.request.timeout: return it from
 *    process (exit 4, the batch uncommitted), or reject the record (stage SS_STAGE_DECODE). */
typedef ss_status (*ss_decode_fn)(void *decode_ctx, const struct ss_record *record, ss_record_part part,
                                  const char **json, size_t *json_len, int32_t *schema_id, ss_error *err);

/* What the host tells every plugin about itself: in every create call, valid until the
 * matching destroy returns. */
typedef struct ss_host_api {
    uint32_t struct_size;
    uint16_t abi_major;       /* the host's SS_PLUGIN_ABI_MAJOR */
    uint16_t abi_minor;       /* the host's SS_PLUGIN_ABI_MINOR: tables newer than this are not read */
    const char *host_version; /* streamsubmit's version, e.g. "0.9.0" */
    ss_log_fn log;
    void *log_ctx;
    /* ABI 2.2 (check SS_HAS_FIELD(ss_host_api, host, reject) first; an older host has none):
     * rejects one record, see ss_reject_fn. NULL for a plugin that is not the application. */
    ss_reject_fn reject;
    void *reject_ctx;
    /* ABI 2.3 (check SS_HAS_FIELD(ss_host_api, host, decode) first, or ss_host_can_decode):
     * decodes a key or value of a schema registry format, see ss_decode_fn. NULL for a plugin
     * that is not the application, and when both formats are bytes. */
    ss_decode_fn decode;
    void *decode_ctx;
} ss_host_api;

/* Whether `host` offers reject (ABI 2.2 and the plugin is the job's application). */
static inline int ss_host_can_reject(const ss_host_api *host) {
    return host && SS_HAS_FIELD(ss_host_api, host, reject_ctx) && host->reject != NULL;
}

/* Whether `host` offers decode (ABI 2.3, the plugin is the job's application and a format is
 * not bytes). */
static inline int ss_host_can_decode(const ss_host_api *host) {
    return host && SS_HAS_FIELD(ss_host_api, host, decode_ctx) && host->decode != NULL;
}

/* ---- Configuration keys a plugin declares (Fluent Bit's config_map) ----
 * The host validates the user's keys against them (an unknown or malformed key fails the job
 * before create), fills in defaults, and lists them in `streamsubmit config`, --help and the
 * man page. Names are relative: a sink's "dir" is the user's sink.NAME.dir. */
typedef enum ss_key_type {
    SS_KEY_STRING = 0,
    SS_KEY_INT = 1,      /* a decimal integer */
    SS_KEY_BOOL = 2,     /* true or false */
    SS_KEY_DURATION = 3, /* 500ms, 1.5s, 1m, 1h: a unit always (handed over as given) */
    SS_KEY_ENUM = 4,     /* one of `choices` */
    SS_KEY_DOUBLE = 5
} ss_key_type;

typedef struct ss_config_key {
    const char *name;          /* relative name, e.g. "dir" */
    ss_key_type type;
    const char *default_value; /* as text; NULL: no default (absent unless the user sets it) */
    const char *choices;       /* SS_KEY_ENUM: "json|raw"; else NULL */
    const char *doc;           /* one line, no trailing period */
    uint32_t flags;            /* SS_KEY_REQUIRED, SS_KEY_SENSITIVE */
} ss_config_key;

#define SS_KEY_REQUIRED 1u  /* the job fails at start without it */
#define SS_KEY_SENSITIVE 2u /* its value is never printed (streamsubmit config, the status page) */

/* ---- Kafka's coordinates and records ---- */

typedef struct ss_topic_partition {
    const char *topic;
    int32_t partition;
    int64_t offset; /* meaning depends on the call */
} ss_topic_partition;

typedef struct ss_watermarks {
    const char *topic; /* in */
    int32_t partition; /* in */
    int64_t earliest;  /* out: first offset still stored */
    int64_t latest;    /* out: next offset to be written (last stable offset under read_committed) */
} ss_watermarks;

/* One half-open range [from, until) of one partition. */
typedef struct ss_offset_range {
    const char *topic;
    int32_t partition;
    int64_t from;
    int64_t until;
} ss_offset_range;

typedef enum ss_timestamp_type {
    SS_TIMESTAMP_NOT_AVAILABLE = 0,
    SS_TIMESTAMP_CREATE_TIME = 1,    /* set by the producer */
    SS_TIMESTAMP_LOG_APPEND_TIME = 2 /* set by the broker */
} ss_timestamp_type;

/* One record header. Kafka allows repeated names; order is the record's. */
typedef struct ss_header {
    const char *name;  /* NUL-terminated, never NULL */
    const void *value; /* NULL for a null header value, distinct from an empty one (non-NULL, value_len 0) */
    size_t value_len;
} ss_header;

/* One record. Every pointer in it lives only as long as the call that hands it over. A NULL
 * key or value is Kafka's null (a NULL value is a tombstone); an empty one is a non-NULL
 * pointer with length 0. */
typedef struct ss_record {
    uint32_t struct_size;
    int32_t partition;
    const char *topic;
    int64_t offset;
    int64_t timestamp_ms;   /* -1 when unknown */
    int32_t timestamp_type; /* an ss_timestamp_type */
    const void *key;        /* NULL: no key */
    size_t key_len;
    const void *value;      /* NULL: tombstone */
    size_t value_len;
    const ss_header *headers; /* NULL when header_count is 0 */
    size_t header_count;
    size_t header_stride;     /* bytes between headers */
    size_t range_index;       /* read_ranges only: index of the range this record belongs to */
} ss_record;

/* Header i of a record. */
static inline const ss_header *ss_header_at(const ss_record *record, size_t i) {
    return ss_const_at(ss_header, record->headers, record->header_stride, i);
}

/* Receives records in groups, on the thread that made the read_ranges or poll call; return 0
 * to continue, non-zero to stop the call (it then returns SS_ERR_INTERRUPTED). `records`
 * (element i at ss_const_at(ss_record, records, stride, i)) and everything it points to live
 * until the callback returns. */
typedef int (*ss_records_fn)(void *ctx, const ss_record *records, size_t count, size_t stride);

/* Called for every partition found by list_partitions, on the caller's thread. */
typedef void (*ss_partition_fn)(void *ctx, const char *topic, int32_t partition);

typedef enum ss_rebalance_event {
    SS_REBALANCE_ASSIGN = 1,
    SS_REBALANCE_REVOKE = 2,
    /* The session expired or the member was fenced; another member may already own the
     * partitions, so what the host holds for them must be aborted. */
    SS_REBALANCE_LOST = 3
} ss_rebalance_event;

/* Called on the polling thread from inside poll() (a consumer) or serve() (a member), with
 * the partitions (stride as given,
 * valid during the call). On REVOKE the host finishes and commits what it holds for those
 * partitions before returning. On ASSIGN of a consumer (ss_consumer_api), the call comes just
 * before the partitions are assigned, so the host may choose where they start
 * (start_assigned_at), and pause/resume called inside it apply before anything is fetched. */
typedef void (*ss_rebalance_fn)(void *ctx, ss_rebalance_event event, const ss_topic_partition *partitions,
                                size_t count, size_t stride);

/* ==== Source connectors ==== */

typedef struct ss_source ss_source; /* opaque, owned by the plugin */
typedef struct ss_record_lease ss_record_lease; /* opaque, owned by the plugin (ABI 2.5) */

typedef struct ss_source_params {
    uint32_t struct_size;
    /* The connector's keys, prefix stripped (kafka.bootstrap.servers -> "bootstrap.servers"). */
    const ss_kv *conf;
    size_t conf_count;
    size_t conf_stride;
    const ss_host_api *host; /* valid until destroy returns */
    /* How long destroy() may take to close its connections (leaving a group included); past
     * it, destroy leaves what is still closing behind. Also how long each commit_offsets call
     * waits for the group coordinator's answer; past it, SS_ERR_UNREACHABLE (the commit may
     * still take effect). Derived from stream.stopTimeout; 0: the plugin's own default. */
    int32_t close_timeout_ms;
} ss_source_params;

/* Direct mode: the host plans exact offset ranges and reads them. */
typedef struct ss_direct_api {
    uint32_t struct_size;
    /* Required. Every partition of the named topics (`topics` has topic_count names), or of
     * all topics whose name fully matches the ECMAScript regex `pattern` when topics is NULL.
     * SS_ERR_UNKNOWN_TOPIC when a named topic does not exist. */
    ss_status (*list_partitions)(ss_source *src, const char *const *topics, size_t topic_count,
                                 const char *pattern, int timeout_ms, ss_partition_fn fn, void *ctx,
                                 ss_error *err);
    /* Required. Fills earliest/latest of each element (one request for all where possible). */
    ss_status (*query_watermarks)(ss_source *src, ss_watermarks *parts, size_t count, size_t stride,
                                  int timeout_ms, ss_error *err);
    /* Required. In: offset = timestamp in epoch ms. Out: first offset at or after it, or -1. */
    ss_status (*offsets_for_times)(ss_source *src, ss_topic_partition *parts, size_t count, size_t stride,
                                   int timeout_ms, ss_error *err);
    /* Required. Reads exactly the records in each [from, until); a range is complete when the
     * consumer position reaches until (offsets may have gaps). Blocks until every range is
     * complete, interrupt() is called, or a fatal error occurs. */
    ss_status (*read_ranges)(ss_source *src, const ss_offset_range *ranges, size_t count, size_t stride,
                             ss_records_fn fn, void *ctx, ss_error *err);
    /* Optional (NULL: stream.kafka.commitOffsets is refused). Commits offsets (offset = next
     * offset to read) for the configured group, outside any membership. */
    ss_status (*commit_offsets)(ss_source *src, const ss_topic_partition *offsets, size_t count, size_t stride,
                                ss_error *err);
} ss_direct_api;

/* Receiver mode: a group consumer that fetches what the group assigns. */
typedef struct ss_consumer_api {
    uint32_t struct_size;
    /* Required. Joins the configured group; on_rebalance runs inside poll(). */
    ss_status (*subscribe)(ss_source *src, const char *const *topics, size_t topic_count,
                           ss_rebalance_fn on_rebalance, void *ctx, ss_error *err);
    /* Required. Delivers what has arrived (at most max_records) or returns after timeout_ms. */
    ss_status (*poll)(ss_source *src, int timeout_ms, size_t max_records, ss_records_fn fn, void *ctx,
                      ss_error *err);
    /* Required. Commits offsets (offset = next offset to read) for the group. With streams, any
     * stream's thread may commit, concurrently with poll(). */
    ss_status (*commit_offsets)(ss_source *src, const ss_topic_partition *offsets, size_t count, size_t stride,
                                ss_error *err);
    /* Required. Stop / restart fetching the partitions (the polling thread; with streams, also
     * the thread that reads them with poll_stream). */
    ss_status (*pause)(ss_source *src, const ss_topic_partition *parts, size_t count, size_t stride,
                       ss_error *err);
    ss_status (*resume)(ss_source *src, const ss_topic_partition *parts, size_t count, size_t stride,
                        ss_error *err);
    /* Optional (NULL: assigned partitions start at the group's committed offsets). Only from
     * inside on_rebalance(SS_REBALANCE_ASSIGN), on the polling thread: each named partition that
     * is being assigned starts at `offset` (the next offset to read); partitions not being
     * assigned and offsets < 0 are ignored. Called anywhere else: SS_ERR_CONFIG, no change. */
    ss_status (*start_assigned_at)(ss_source *src, const ss_topic_partition *positions, size_t count,
                                   size_t stride, ss_error *err);
    /* ---- Since ABI 2.1 (a host reads these only when struct_size covers them) ----
     * Streams: one consumer (one group member) whose partitions several host threads read in
     * parallel, as a Kafka receiver's threads do. Streams are numbered 0, 1, ... as the host
     * chooses. Optional: both calls or neither (NULL: poll() delivers every partition). */
    /* Only from inside on_rebalance(SS_REBALANCE_ASSIGN), on the thread that calls poll(): the
     * records (and fetch errors) of each named partition being assigned are delivered by
     * poll_stream(stream) from now on, no longer by poll(); partitions never routed stay with
     * poll(). poll() still serves the group (rebalances, errors): keep calling it at least
     * every max.poll.interval.ms. Called anywhere else: SS_ERR_CONFIG, no change. */
    ss_status (*route_assigned)(ss_source *src, const ss_topic_partition *parts, size_t count, size_t stride,
                                int32_t stream, ss_error *err);
    /* Like poll(), for the partitions routed to `stream`: any thread, one thread per stream at a
     * time, concurrently with poll() and with the other streams; never calls on_rebalance.
     * Records of a partition revoked while they waited are dropped, never delivered after the
     * REVOKE callback returned. interrupt() ends it too (SS_ERR_INTERRUPTED); one that comes
     * while a stream is not being polled should end that stream's next poll_stream at once, so
     * that a host that checks whether to stop and then polls cannot miss it (a host re-sends
     * its interrupt while stopping, for connectors that forget it). */
    ss_status (*poll_stream)(ss_source *src, int32_t stream, int timeout_ms, size_t max_records, ss_records_fn fn,
                             void *ctx, ss_error *err);
    /* ---- Since ABI 2.5 (SS_HAS_FIELD first; both calls or neither) ----
     * Keeping a stream's records without a copy: a receiver holds what it received until its
     * batch is output, and copying large values was most of what it cost beyond direct mode.
     * NULL: records live only during the callback, as in every other call. */
    /* Only from inside the ss_records_fn of poll_stream(stream), on that thread: the records of
     * this delivery and everything they point to (topic names too) stay valid after the
     * callback returns, until the returned lease is released. Each call returns a lease of its
     * own. NULL: they cannot be kept (called anywhere else, or no memory); the caller copies. */
    ss_record_lease *(*retain_records)(ss_source *src, int32_t stream);
    /* Any thread, exactly once per lease, concurrently with every other call; NULL is ignored.
     * The host releases every lease before it calls destroy(src). */
    void (*release_records)(ss_source *src, ss_record_lease *lease);
} ss_consumer_api;

/* Group-coordinated direct mode (stream.kafka.coordination=group): one source per process
 * joins the group to learn which partitions are its own and to commit their progress; the
 * host reads the ranges with the direct table on other sources. */
typedef struct ss_member_api {
    uint32_t struct_size;
    /* Required. Joins kafka.group.id as a member that coordinates but never fetches
     * (partition.assignment.strategy defaults to cooperative-sticky); reports its partitions
     * through on_rebalance, called from inside serve(): ASSIGN (offset = -1), REVOKE (the host
     * finishes and commits, or aborts, what it holds before it returns), LOST. Needs
     * kafka.group.id (else SS_ERR_CONFIG). */
    ss_status (*join_group)(ss_source *src, const char *const *topics, size_t topic_count,
                            ss_rebalance_fn on_rebalance, void *ctx, ss_error *err);
    /* Required. Serves group events for up to timeout_ms; call at least every
     * max.poll.interval.ms. */
    ss_status (*serve)(ss_source *src, int timeout_ms, ss_error *err);
    /* Required. In: topic, partition. Out: offset = the group's committed offset, -1 when the
     * group never committed one for that partition. */
    ss_status (*committed_offsets)(ss_source *src, ss_topic_partition *parts, size_t count, size_t stride,
                                   int timeout_ms, ss_error *err);
    /* Required. Synchronous commit (offset = next offset to read) with `metadata` (Kafka's
     * OffsetAndMetadata; NULL = none, copied before return) on every partition, carrying the
     * member's generation: a member that no longer owns a partition gets SS_ERR_FENCED and
     * nothing is committed. */
    ss_status (*commit_offsets)(ss_source *src, const ss_topic_partition *offsets, size_t count, size_t stride,
                                const char *metadata, ss_error *err);
    /* Required. The member's group metadata as rd_kafka_consumer_group_metadata_write
     * serializes it (what a transactional producer's send_offsets_to_transaction needs).
     * Writes at most `capacity` bytes to buf (NULL: size only) and the full size to *size. */
    ss_status (*group_metadata)(ss_source *src, void *buf, size_t capacity, size_t *size, ss_error *err);
} ss_member_api;

typedef struct ss_source_api {
    uint32_t struct_size;
    /* Required. Caller's thread. On SS_OK *out is the new source; otherwise *out is left
     * alone and err says why (SS_ERR_CONFIG: a key or value was refused). */
    ss_status (*create)(const ss_source_params *params, ss_source **out, ss_error *err);
    /* Required. Last call on src, on the thread that owns it; src may be NULL. Bounded by
     * params->close_timeout_ms. */
    void (*destroy)(ss_source *src);
    /* Required. Any thread, any time between create and destroy: makes a blocking call on src
     * return SS_ERR_INTERRUPTED soon. */
    void (*interrupt)(ss_source *src);
    /* Capabilities; NULL when not offered. */
    const ss_direct_api *direct;
    const ss_consumer_api *consumer;
    const ss_member_api *member;
} ss_source_api;

/* ==== Applications and sinks ====
 *
 * An application receives every record of every batch. Its life, per job:
 *   create -> recover? -> { process* per partition range ... finish_range? ... commit | abort }* -> destroy
 * Spark's task-per-partition model with a two-phase commit (Flink's TwoPhaseCommitSinkFunction):
 *  - process and finish_range run on reader threads, in parallel across partitions but never
 *    concurrently for one partition; the calls for one range run on one thread, in offset order;
 *  - commit runs on the driver thread once every range of the batch was processed, and
 *    before the checkpoint marks the batch complete: once commit returns SS_OK the batch's
 *    output must be durable. A crash between commit and the checkpoint re-runs the batch
 *    with the same id, ranges and records, so an output named by its ranges is rewritten
 *    identically (exactly-once); otherwise the re-run is a duplicate (at-least-once);
 *  - abort runs on the driver thread when a batch fails after process was called for it;
 *  - a non-OK status fails the batch and stops the job (SS_ERR_REBALANCED: see ss_status). */

typedef struct ss_app ss_app; /* opaque, owned by the application */

/* One batch as the application sees it; valid for the duration of the call it is passed to
 * (the host passes the same batch to every call for that batch, with the same contents). */
typedef struct ss_batch {
    uint32_t struct_size;
    int64_t id;                    /* increasing; a re-run batch keeps its id and ranges */
    int64_t time_ms;               /* epoch ms at which the batch was planned */
    const char *mode;              /* "direct" or "receiver" */
    const ss_offset_range *ranges; /* every range of the batch, empty ones included */
    size_t range_count;
    size_t range_stride;
    /* stream.kafka.coordination=group: the member's metadata (rd_kafka_consumer_group_metadata_write),
     * taken when the batch was planned. A transactional sink passes it to
     * send_offsets_to_transaction (KIP-447). NULL with size 0 otherwise. */
    const void *group_metadata;
    size_t group_metadata_size;
} ss_batch;

/* Range i of a batch. The range pointer a call receives is element `index` of batch->ranges. */
static inline const ss_offset_range *ss_batch_range_at(const ss_batch *batch, size_t i) {
    return ss_const_at(ss_offset_range, batch->ranges, batch->range_stride, i);
}
static inline size_t ss_batch_range_index(const ss_batch *batch, const ss_offset_range *range) {
    return (size_t)((const char *)range - (const char *)batch->ranges) / batch->range_stride;
}

typedef struct ss_app_params {
    uint32_t struct_size;
    /* The application's own keys, validated against its key table, prefix stripped
     * (sink.files.dir -> "dir"), defaults filled in. */
    const ss_kv *conf;
    size_t conf_count;
    size_t conf_stride;
    const char *const *args; /* the application arguments from the command line; NULL when arg_count is 0 */
    size_t arg_count;
    const ss_host_api *host; /* valid until destroy returns */
    int32_t max_parallelism; /* at most this many threads call process at once */
    /* The job, for an application that writes back to the job's cluster or checks its own
     * settings against the job's. */
    const char *mode;           /* "direct" or "receiver" */
    int32_t group_coordinated;  /* 1 with stream.kafka.coordination=group */
    int64_t batch_interval_ms;
    const ss_kv *source_conf;   /* the job's connector keys, as ss_source_params.conf */
    size_t source_conf_count;
    size_t source_conf_stride;
    /* ABI 2.2 (SS_HAS_FIELD first). The job's record formats under their full names: stream.key.format and
     * stream.value.format (bytes, avro, protobuf, json-schema), and the schema.registry.*
     * keys that are set (secrets resolved; schema.registry.request.timeout always, in
     * milliseconds), for an application that decodes records
     * (SS_HAS_FIELD: older hosts lack it and had only bytes). Also stream.errors.tolerance
     * (none, all): under all a record it cannot decode is rejected (SS_STAGE_DECODE); under
     * none it may stay its own failure (the bundled sinks: SS_ERR_BAD_RECORD, exit 4). */
    const ss_kv *format_conf;
    size_t format_conf_count;
    size_t format_conf_stride;
    /* ABI 2.2 (SS_HAS_FIELD first): stream.errors.deadletterqueue.topic, on the job's brokers;
     * NULL when the job has none. An application that offers write_dead_letters checks at
     * create that it can write there (SS_ERR_UNKNOWN_TOPIC, SS_ERR_AUTHENTICATION naming it). */
    const char *dead_letter_topic;
} ss_app_params;

typedef struct ss_application_api {
    uint32_t struct_size;
    /* Required. Driver thread. On SS_OK *out is the new application; otherwise err says why
     * (SS_ERR_CONFIG: a setting or argument was refused). */
    ss_status (*create)(const ss_app_params *params, ss_app **out, ss_error *err);
    /* Required. Driver thread, last call; app may be NULL. */
    void (*destroy)(ss_app *app);
    /* Required. Reader thread. `count` >= 1 records of `range` (an element of batch->ranges),
     * offsets increasing, possibly with gaps (compaction, transaction markers). Called zero or
     * more times per range. */
    ss_status (*process)(ss_app *app, const ss_batch *batch, const ss_offset_range *range,
                         const ss_record *records, size_t count, size_t stride, ss_error *err);
    /* Optional. Reader thread that processed the range, after its last process call, for
     * every non-empty range of the batch (also one that delivered no record). */
    ss_status (*finish_range)(ss_app *app, const ss_batch *batch, const ss_offset_range *range, ss_error *err);
    /* Required. Driver thread, after every range of the batch was processed and finished. */
    ss_status (*commit)(ss_app *app, const ss_batch *batch, ss_error *err);
    /* Optional. Driver thread: discard what process did for this batch. */
    void (*abort)(ss_app *app, const ss_batch *batch);
    /* Optional, for a sink that stores its own progress (Kafka Connect's
     * SinkTaskContext.offset()). In: offset = where the host would start each partition. Out:
     * leave it, or set the next offset to read; what the application sets wins, ahead of the
     * host's position (skipping what it already has) or behind it (the host reads the records
     * after it again: output of completed batches it had not made durable yet).
     *  - direct mode: driver thread, once after create and before the first batch, for every
     *    partition; In = the checkpoint's (or the starting) offsets;
     *  - receiver mode: on a receiver's polling thread, each time partitions are assigned to
     *    it, before any of their records is fetched; In = the group's committed offset, -1
     *    where it has none. It may run while the driver thread processes or commits a batch,
     *    never concurrently with another recover;
     *  - direct mode, group coordination: also on the driver thread between batches for the
     *    partitions this instance gains in a rebalance. */
    ss_status (*recover)(ss_app *app, ss_topic_partition *positions, size_t count, size_t stride, ss_error *err);
    /* The keys the application takes (stride key_stride): the host refuses the user's keys
     * outside them and values not of their type, fills in defaults, and documents them. A sink
     * (--sink NAME) with none takes no key; an application (app.*) with none gets every app.*
     * key unchecked and must check them itself. */
    const ss_config_key *keys;
    size_t key_count;
    size_t key_stride;
    /* ABI 2.2, optional. Driver thread, after every range of the batch was processed and
     * finished and before commit: makes `records` (the batch's rejected records, each with its
     * original key, value and headers followed by the __streamsubmit.errors.* context
     * headers, valid during the call) part of the batch's output on `topic`, the job's
     * dead-letter topic: produced inside the batch's transaction where the output has one, so
     * commit makes them visible together; abort discards them with the rest. Called with the
     * same records again when a batch is re-run. NULL: the host produces them itself before
     * commit (an idempotent producer, at-least-once). */
    ss_status (*write_dead_letters)(ss_app *app, const ss_batch *batch, const char *topic, const ss_record *records,
                                    size_t count, size_t stride, ss_error *err);
    /* ABI 2.4, optional (SS_HAS_FIELD first). Connector keys under their full names
     * ("kafka.queued.max.messages.kbytes") with the values this application runs best with,
     * element i at ss_const_at(ss_kv, source_defaults, source_default_stride, i); static,
     * read once at load. The host uses each where the user set the key nowhere (the user's
     * value wins) and says so with -v; only kafka.* keys are taken (others refuse the plugin,
     * exit 3). For an application whose memory use makes the connector's defaults a poor fit:
     * one that keeps a copy of every batch asks for a smaller prefetch queue. */
    const ss_kv *source_defaults;
    size_t source_default_count;
    size_t source_default_stride;
} ss_application_api;

/* ==== The descriptor ==== */

struct ss_cluster_api; /* <streamsubmit/testing.h> */

typedef struct ss_plugin_descriptor {
    /* Checked first, in this order, in every ABI; never reorder or remove. */
    uint32_t magic;       /* SS_PLUGIN_MAGIC */
    uint16_t abi_major;   /* must equal the host's SS_PLUGIN_ABI_MAJOR */
    uint16_t abi_minor;   /* may be lower than the host's; fields after the prefix are then absent */
    uint32_t struct_size; /* sizeof(ss_plugin_descriptor) as the plugin was built */

    const char *name;        /* e.g. "kafka"; a sink's name is what --sink NAME and sink.NAME.* use */
    const char *version;     /* the plugin's own version, e.g. "0.1.0" */
    const char *description; /* one line */

    const ss_source_api *source;           /* NULL when the plugin is not a source connector */
    const ss_application_api *application; /* NULL when it is not an application or sink */
    const struct ss_cluster_api *cluster;  /* test-only embedded cluster; NULL when not offered */
} ss_plugin_descriptor;

/* The entry point: the host's ABI version in, the plugin's descriptor out (NULL: the plugin
 * refuses this host; it may write why to stderr). Called once per load, on the loading thread. */
typedef const ss_plugin_descriptor *(*ss_plugin_entry_fn)(uint16_t host_abi_major, uint16_t host_abi_minor);

/* Fields left out of a designated initializer are NULL by the language's rules; GCC's C++
 * front end warns about them anyway, which the descriptor macro silences for itself. */
#if defined(__GNUC__)
#define SS_PLUGIN_PRAGMA_(x) _Pragma(#x)
#define SS_PLUGIN_DIAGNOSTIC_(x) SS_PLUGIN_PRAGMA_(GCC diagnostic x)
#else
#define SS_PLUGIN_DIAGNOSTIC_(x)
#endif

#ifdef __cplusplus
#define SS_PLUGIN_EXTERN_C extern "C"
#else
#define SS_PLUGIN_EXTERN_C
#endif

/* Defines the plugin's entry point and descriptor with named fields, in one source file:
 *   STREAMSUBMIT_PLUGIN(.name = "myapp", .version = "1.0.0", .description = "counts records per key",
 *                       .application = &my_application_api)
 * Fields not named are NULL. Designated initializers: C99, or C++20 (C++17 with GNU
 * extensions); in C++ name them in declaration order (name, version, description, source,
 * application, cluster). The plugin accepts every host of its ABI major:
 * it reads only what the host's version has. */
#define STREAMSUBMIT_PLUGIN(...)                                                                                 \
    SS_PLUGIN_EXTERN_C SS_PLUGIN_EXPORT const ss_plugin_descriptor *streamsubmit_plugin_entry(uint16_t, uint16_t); \
    SS_PLUGIN_EXTERN_C SS_PLUGIN_EXPORT const ss_plugin_descriptor *streamsubmit_plugin_entry(                     \
        uint16_t host_abi_major, uint16_t host_abi_minor) {                                                       \
        SS_PLUGIN_DIAGNOSTIC_(push)                                                                              \
        SS_PLUGIN_DIAGNOSTIC_(ignored "-Wmissing-field-initializers")                                            \
        static const ss_plugin_descriptor ss_plugin_descriptor_ = {                                             \
            .magic = SS_PLUGIN_MAGIC, .abi_major = SS_PLUGIN_ABI_MAJOR, .abi_minor = SS_PLUGIN_ABI_MINOR,         \
            .struct_size = (uint32_t)sizeof(ss_plugin_descriptor), __VA_ARGS__};                                \
        SS_PLUGIN_DIAGNOSTIC_(pop)                                                                               \
        (void)host_abi_major; /* the host refuses another major itself, naming both versions */                  \
        (void)host_abi_minor;                                                                                   \
        return &ss_plugin_descriptor_;                                                                          \
    }

#ifdef __cplusplus
}
#endif

#endif /* STREAMSUBMIT_PLUGIN_H */
