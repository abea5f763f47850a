/*
 * streamsubmit plugin ABI — the one contract between the runtime and its plugins.
 *
 * A plugin is a shared object that exports exactly one C symbol,
 * STREAMSUBMIT_PLUGIN_ENTRY_SYMBOL, returning a pointer to a static
 * ss_plugin_descriptor. The host checks magic, ABI major, and struct size before
 * it reads any other field (as PostgreSQL checks PG_MODULE_MAGIC), so a plugin
 * built against another ABI is refused instead of crashing the host.
 *
 * Rules for both sides:
 *  - plain C types only; every table begins with its own struct_size so a minor
 *    ABI version may append fields and an older host still reads its prefix;
 *  - no exception and no longjmp crosses this boundary; every fallible call
 *    returns an ss_status and fills the caller's ss_error;
 *  - strings handed to a callback are valid only for the duration of that call;
 *  - one ss_source is used by one thread at a time, except interrupt(), which
 *    may be called from any thread;
 *  - every array whose element type may grow carries its element size, either in
 *    the element (ss_record.struct_size, read it with ss_record_at) or beside the
 *    array (ss_batch.range_size, ss_record.header_size); index such arrays only
 *    through that size, never with sizeof of your own build;
 *  - unless a call says otherwise, a pointer argument is never NULL.
 *
 * A plugin offers one or more capabilities, each a table in its descriptor: a source
 * connector (ss_source_api), an embedded cluster (ss_cluster_api), an application
 * (ss_application_api, ABI 1.1). The host picks plugins by the table it needs, never
 * by name, and refuses at load a table whose required calls are NULL.
 * Declare the descriptor with STREAMSUBMIT_PLUGIN(...) at the end of this file.
 */
#ifndef STREAMSUBMIT_PLUGIN_H
#define STREAMSUBMIT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SS_PLUGIN_MAGIC 0x53535031u /* "SSP1" */
#define SS_PLUGIN_ABI_MAJOR 1u
#define SS_PLUGIN_ABI_MINOR 5u /* 1.1: record growth, headers, null keys/values, applications; 1.2: group coordination; 1.3: statuses 11-13; 1.4: ss_batch group metadata, status 14; 1.5: start_assigned_at */
#define STREAMSUBMIT_PLUGIN_ENTRY_SYMBOL "streamsubmit_plugin_entry"

#if defined(__GNUC__)
#define SS_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define SS_PLUGIN_EXPORT
#endif

typedef enum ss_status {
    SS_OK = 0,
    SS_ERR_CONFIG = 1,              /* a configuration key or value was rejected */
    SS_ERR_UNREACHABLE = 2,         /* no broker answered in time */
    SS_ERR_UNKNOWN_TOPIC = 3,       /* a named topic does not exist */
    SS_ERR_OFFSET_OUT_OF_RANGE = 4, /* a requested offset is gone (retention) */
    SS_ERR_TIMEOUT = 5,             /* a request did not complete in time */
    SS_ERR_INTERRUPTED = 6,         /* interrupt() was called, or a callback said stop */
    SS_ERR_UNSUPPORTED = 7,         /* this plugin does not implement the call */
    SS_ERR_BROKER = 8,              /* any other error reported by the brokers; retrying will not help */
    SS_ERR_INTERNAL = 9,
    /* ABI 1.2: the group no longer counts this member as the owner of the partitions (a
     * rebalance moved them, or the session expired): the batch is not committed. */
    SS_ERR_FENCED = 10,
    /* ABI 1.3: */
    SS_ERR_BROKER_TRANSIENT = 11, /* a broker error that may pass (leader moving, coordinator loading) */
    SS_ERR_AUTHENTICATION = 12,   /* the brokers refused the credentials (SASL); retrying will not help */
    SS_ERR_TLS = 13,              /* the TLS handshake failed (certificate not trusted, host name mismatch) */
    /* ABI 1.4 (group mode): the batch's partitions moved on without it — the consumer group
     * moved to a newer generation while it ran (a rebalance; this member is still in the
     * group), or another instance committed one of them since (a sink's own progress): the
     * batch is not committed, and the host plans its partitions again from the group's
     * committed offsets and the application's recover. Not a failure of the job. */
    SS_ERR_REBALANCED = 14
} ss_status;

typedef struct ss_error {
    ss_status status;
    char message[1024]; /* NUL-terminated, human readable, no trailing newline */
} ss_error;

typedef struct ss_kv {
    const char *key;
    const char *value;
} ss_kv;

typedef enum ss_log_level { SS_LOG_DEBUG = 0, SS_LOG_INFO = 1, SS_LOG_WARN = 2, SS_LOG_ERROR = 3 } ss_log_level;

/* Diagnostics from the plugin; the host decides where they go (stderr). */
typedef void (*ss_log_fn)(void *log_ctx, ss_log_level level, const char *message);

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

/* Kafka's record timestamp types (ABI 1.1). */
typedef enum ss_timestamp_type {
    SS_TIMESTAMP_NOT_AVAILABLE = 0,
    SS_TIMESTAMP_CREATE_TIME = 1,    /* set by the producer */
    SS_TIMESTAMP_LOG_APPEND_TIME = 2 /* set by the broker */
} ss_timestamp_type;

/* One record header (ABI 1.1). Kafka allows repeated names; order is the record's. */
typedef struct ss_header {
    const char *name;  /* NUL-terminated, never NULL */
    const void *value; /* NULL for a null header value, distinct from an empty one (non-NULL, value_len 0) */
    size_t value_len;
} ss_header;

/* One record. Every pointer in it lives only as long as the call that hands it over.
 * Since ABI 1.1, a NULL key or value is Kafka's null (a NULL value is a tombstone) and an
 * empty one is a non-NULL pointer with length 0; a 1.0 plugin may use NULL for both. */
typedef struct ss_record {
    const char *topic;
    int32_t partition;
    int64_t offset;
    int64_t timestamp_ms; /* -1 when unknown */
    const void *key;      /* NULL: no key */
    size_t key_len;
    const void *value;    /* NULL: tombstone */
    size_t value_len;
    size_t range_index; /* read_ranges only: index of the range this record belongs to */

    /* ---- ABI 1.1: absent from the records of a 1.0 plugin (the host converts them) ---- */
    uint32_t struct_size;           /* sizeof(ss_record) as the sender was built: the array's stride */
    int32_t timestamp_type;         /* an ss_timestamp_type */
    const ss_header *headers;       /* NULL when header_count is 0 */
    size_t header_count;
    size_t header_size;             /* sizeof(ss_header) as the sender was built: the stride of headers */
} ss_record;

/* Element i of a record array of ABI 1.1 or later; the stride is the first record's struct_size. */
static inline const ss_record *ss_record_at(const ss_record *records, size_t i) {
    return (const ss_record *)(const void *)((const char *)records + i * records->struct_size);
}

/* Header i of a record of ABI 1.1 or later. */
static inline const ss_header *ss_header_at(const ss_record *record, size_t i) {
    return (const ss_header *)(const void *)((const char *)record->headers + i * record->header_size);
}

/* Receives records in groups; return 0 to continue, non-zero to stop the call (SS_ERR_INTERRUPTED).
 * Called on the thread that made the read_ranges or poll call; `records` (stride
 * records->struct_size since ABI 1.1) and everything it points to live until the callback returns. */
typedef int (*ss_records_fn)(void *ctx, const ss_record *records, size_t count);

/* Called for every partition found by list_partitions. */
typedef void (*ss_partition_fn)(void *ctx, const char *topic, int32_t partition);

typedef enum ss_rebalance_event {
    SS_REBALANCE_ASSIGN = 1,
    SS_REBALANCE_REVOKE = 2,
    /* ABI 1.2, join_group only: the session expired or the member was fenced; another member
     * may already own the partitions, so what the host holds for them must be aborted. */
    SS_REBALANCE_LOST = 3
} ss_rebalance_event;

/* Receiver mode: called on the polling thread from inside poll(). On REVOKE the host
 * finishes and commits what it holds for those partitions before returning. Since ABI 1.5,
 * ASSIGN of subscribe comes just before the partitions are assigned, so the host may choose
 * where they start (start_assigned_at); pause/resume called inside it apply right after the
 * assignment, before anything is fetched. */
typedef void (*ss_rebalance_fn)(void *ctx, ss_rebalance_event event, const ss_topic_partition *partitions,
                                size_t count);

typedef struct ss_source ss_source; /* opaque, owned by the plugin */

typedef struct ss_source_create_params {
    uint32_t struct_size;
    /* connector keys, prefix stripped ("bootstrap.servers", ...), and settings of the host
     * for the connector, named "streamsubmit.*": "streamsubmit.close.timeout.ms" (since 1.3,
     * decimal milliseconds) is how long destroy() may take to close the consumer (derived
     * from stream.stopTimeout). A connector ignores host settings it does not know (a newer
     * host may add some) and never passes them on to its client library. */
    const ss_kv *conf;
    size_t conf_count;
    ss_log_fn log;
    void *log_ctx;
} ss_source_create_params;

typedef struct ss_source_api {
    uint32_t struct_size;

    ss_source *(*create)(const ss_source_create_params *params, ss_error *err);
    void (*destroy)(ss_source *src);
    /* Thread-safe: makes a blocking call on src return SS_ERR_INTERRUPTED soon. */
    void (*interrupt)(ss_source *src);

    /* ---- direct mode ---- */
    /* Every partition of the named topics, or of all topics whose name fully matches
     * the ECMAScript regex `pattern` when topics is NULL. */
    ss_status (*list_partitions)(ss_source *src, const char *const *topics, size_t topic_count,
                                 const char *pattern, int timeout_ms, ss_partition_fn fn, void *ctx,
                                 ss_error *err);
    ss_status (*query_watermarks)(ss_source *src, ss_watermarks *parts, size_t count, int timeout_ms,
                                  ss_error *err);
    /* In: offset = timestamp in epoch ms. Out: first offset at or after it, or -1 if none. */
    ss_status (*offsets_for_times)(ss_source *src, ss_topic_partition *parts, size_t count, int timeout_ms,
                                   ss_error *err);
    /* Reads exactly the records in each [from, until); a range is complete when the
     * consumer position reaches until (offsets may have gaps). Blocks until every
     * range is complete, interrupt() is called, or a fatal error occurs. */
    ss_status (*read_ranges)(ss_source *src, const ss_offset_range *ranges, size_t count, ss_records_fn fn,
                             void *ctx, ss_error *err);

    /* ---- both modes ---- */
    /* Commits offsets (offset = next offset to read) for the configured group. */
    ss_status (*commit_offsets)(ss_source *src, const ss_topic_partition *offsets, size_t count,
                                ss_error *err);

    /* ---- receiver mode ---- */
    ss_status (*subscribe)(ss_source *src, const char *const *topics, size_t topic_count,
                           ss_rebalance_fn on_rebalance, void *ctx, ss_error *err);
    /* Delivers what has arrived (at most max_records) or returns after timeout_ms. */
    ss_status (*poll)(ss_source *src, int timeout_ms, size_t max_records, ss_records_fn fn, void *ctx,
                      ss_error *err);
    ss_status (*pause)(ss_source *src, const ss_topic_partition *parts, size_t count, ss_error *err);
    ss_status (*resume)(ss_source *src, const ss_topic_partition *parts, size_t count, ss_error *err);

    /* ---- ABI 1.2: group-coordinated direct mode (stream.kafka.coordination=group) ----
     * The host reads its ranges with read_ranges on other sources; one source per process
     * joins the group to learn which partitions are its own and to commit their progress. */

    /* Joins kafka.group.id as a member that coordinates but never fetches: it subscribes to
     * the topics (partition.assignment.strategy defaults to cooperative-sticky), takes what the
     * group assigns, and reports it through on_rebalance, called on the caller's thread from
     * inside poll(): ASSIGN (offset = -1), REVOKE (the host finishes and commits, or aborts,
     * what it holds for the partitions before it returns), LOST. poll() on a joined source
     * serves group events only and delivers no record; call it at least every
     * max.poll.interval.ms. Needs kafka.group.id (else SS_ERR_CONFIG). */
    ss_status (*join_group)(ss_source *src, const char *const *topics, size_t topic_count,
                            ss_rebalance_fn on_rebalance, void *ctx, ss_error *err);
    /* In: topic, partition. Out: offset = the group's committed offset, -1 when the group has
     * never committed one for that partition. Any thread that owns src. */
    ss_status (*committed_offsets)(ss_source *src, ss_topic_partition *parts, size_t count, int timeout_ms,
                                   ss_error *err);
    /* Synchronous commit (offset = next offset to read) with `metadata` (Kafka's
     * OffsetAndMetadata; NULL = none, copied before return) on every partition. On a joined
     * source the commit carries the member's generation: a member that no longer owns a
     * partition gets SS_ERR_FENCED and nothing is committed. */
    ss_status (*commit_offsets_with_metadata)(ss_source *src, const ss_topic_partition *offsets, size_t count,
                                              const char *metadata, ss_error *err);
    /* A joined source's group metadata as serialized by librdkafka's
     * rd_kafka_consumer_group_metadata_write (what a transactional producer's
     * send_offsets_to_transaction needs). Writes at most `capacity` bytes to buf (NULL: size
     * only) and the full size to *size; SS_ERR_CONFIG when src has not joined a group. */
    ss_status (*group_metadata)(ss_source *src, void *buf, size_t capacity, size_t *size, ss_error *err);

    /* ---- ABI 1.5: receiver mode, where an application's recover() answers ----
     * Optional (NULL or absent: assigned partitions start at the group's committed offsets).
     * Only from inside on_rebalance(SS_REBALANCE_ASSIGN) of a subscribed source, on that
     * (polling) thread: each named partition that is being assigned starts at `offset` (the
     * next offset to read) instead of the group's committed offset; partitions not being
     * assigned and offsets < 0 are ignored. `positions` (stride sizeof(ss_topic_partition))
     * is read before return; never NULL when count > 0. Called anywhere else: SS_ERR_CONFIG
     * and nothing changes. */
    ss_status (*start_assigned_at)(ss_source *src, const ss_topic_partition *positions, size_t count,
                                   ss_error *err);
} ss_source_api;

/* An embedded broker cluster for demos, smoke tests and fault injection. */
typedef struct ss_cluster ss_cluster;

typedef struct ss_cluster_api {
    uint32_t struct_size;

    ss_cluster *(*create)(int broker_count, ss_log_fn log, void *log_ctx, ss_error *err);
    void (*destroy)(ss_cluster *cluster);
    /* "host:port,host:port"; valid until destroy. */
    const char *(*bootstrap_servers)(ss_cluster *cluster);
    ss_status (*create_topic)(ss_cluster *cluster, const char *topic, int partitions, ss_error *err);
    /* Produces `count` keyed records (key "key-<n>", value of value_bytes bytes), spread over partitions. */
    ss_status (*produce)(ss_cluster *cluster, const char *topic, int64_t count, size_t value_bytes,
                         ss_error *err);
    ss_status (*set_broker_up)(ss_cluster *cluster, int32_t broker_id, int up, ss_error *err);
    ss_status (*set_leader)(ss_cluster *cluster, const char *topic, int32_t partition, int32_t broker_id,
                            ss_error *err);
    ss_status (*set_broker_rtt)(ss_cluster *cluster, int32_t broker_id, int rtt_ms, ss_error *err);
    /* Makes the next `count` requests of Kafka API `api_key` fail with Kafka error code `error_code`. */
    ss_status (*push_request_errors)(ss_cluster *cluster, int16_t api_key, size_t count, int error_code,
                                     ss_error *err);
} ss_cluster_api;

/* ---- Applications (ABI 1.1) ----
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
 *    the batch is planned again later (a restart re-runs it with the same ranges);
 *  - every call but destroy and abort returns an ss_status and fills err; nothing throws or
 *    longjmps out of the application; a non-OK status fails the batch and stops the job. */

typedef struct ss_app ss_app; /* opaque, owned by the application */

/* One batch as the application sees it; valid for the duration of the call it is passed to
 * (the host passes the same batch to every call for that batch, with the same contents). */
typedef struct ss_batch {
    uint32_t struct_size;          /* sizeof(ss_batch) as the host was built */
    int64_t id;                    /* increasing; a re-run batch keeps its id and ranges */
    int64_t time_ms;               /* epoch ms at which the batch was planned */
    const char *mode;              /* "direct" or "receiver" */
    const ss_offset_range *ranges; /* every range of the batch, empty ones included */
    size_t range_count;
    size_t range_size;             /* sizeof(ss_offset_range) as the host was built: the stride of ranges */

    /* ---- ABI 1.4 (present when struct_size > offsetof(ss_batch, group_metadata)) ----
     * stream.kafka.coordination=group: the consumer group member's metadata (group id,
     * generation, member id, group.instance.id) as rd_kafka_consumer_group_metadata_write
     * serializes it, taken when the batch was planned from the partitions the member owned then.
     * A transactional sink passes it to send_offsets_to_transaction (KIP-447): the group refuses
     * the batch's offsets, and with them the transaction, once the member lost its partitions
     * or the group rebalanced. NULL with size 0 in checkpoint mode and in receiver mode. Same
     * lifetime as the batch; read-only; the same bytes in every call for the batch. */
    const void *group_metadata;
    size_t group_metadata_size;
} ss_batch;

/* ABI 1.4: whether the batch carries group metadata (group mode), on a host of any minor version. */
static inline int ss_batch_has_group_metadata(const ss_batch *batch) {
    return batch->struct_size >= offsetof(ss_batch, group_metadata_size) + sizeof(size_t) && batch->group_metadata &&
           batch->group_metadata_size > 0;
}

/* Range i of a batch. */
static inline const ss_offset_range *ss_batch_range_at(const ss_batch *batch, size_t i) {
    return (const ss_offset_range *)(const void *)((const char *)batch->ranges + i * batch->range_size);
}

/* Calls an application may make into the host, from any thread, at any time between create and
 * destroy; they never fail and never throw. */
typedef struct ss_host_api {
    uint32_t struct_size;
    ss_log_fn log; /* message is copied before log returns */
    void *log_ctx;
} ss_host_api;

typedef struct ss_app_create_params {
    uint32_t struct_size;
    const ss_kv *conf;         /* the application's own keys, prefix stripped (sink.files.dir -> "dir") */
    size_t conf_count;
    const char *const *args;   /* the application arguments from the command line; NULL when arg_count is 0 */
    size_t arg_count;
    const ss_host_api *host;   /* valid until destroy */
    int32_t max_parallelism;   /* at most this many threads call process at once */
} ss_app_create_params;

typedef struct ss_application_api {
    uint32_t struct_size;

    /* Required. Driver thread. Everything in params lives only during the call: copy what you keep.
     * Returns NULL and fills err on failure. */
    ss_app *(*create)(const ss_app_create_params *params, ss_error *err);
    /* Required. Driver thread, last call; app may be NULL. */
    void (*destroy)(ss_app *app);
    /* Required. Reader thread. `count` >= 1 records of `range` (a pointer to one element of
     * batch->ranges, so its index is (range - batch->ranges) / batch->range_size), offsets
     * increasing, possibly with gaps (compaction, transaction markers); stride records->struct_size.
     * Called zero or more times per range: a range without records gets no call. `records` and
     * all it points to live until the call returns. */
    ss_status (*process)(ss_app *app, const ss_batch *batch, const ss_offset_range *range,
                         const ss_record *records, size_t count, ss_error *err);
    /* Optional (NULL: not needed). Reader thread that processed the range, after its last
     * process call, for every non-empty range of the batch (also one that delivered no record). */
    ss_status (*finish_range)(ss_app *app, const ss_batch *batch, const ss_offset_range *range, ss_error *err);
    /* Required. Driver thread, after every range of the batch was processed and finished. */
    ss_status (*commit)(ss_app *app, const ss_batch *batch, ss_error *err);
    /* Optional. Driver thread: discard what process did for this batch. */
    void (*abort)(ss_app *app, const ss_batch *batch);
    /* Optional, for a sink that stores its own progress (Kafka Connect's
     * SinkTaskContext.offset()). In: offset = where the host would start each partition. Out:
     * leave it, or set the next offset to read; what the application sets wins. `positions`
     * has stride position_size and lives until the call returns.
     *  - direct mode: driver thread, once after create and before the first batch, for every
     *    partition; In = the checkpoint's (or the starting) offsets;
     *  - receiver mode (ABI 1.5): on a receiver's polling thread, each time partitions are
     *    assigned to it, for those partitions, before any of their records is fetched; In =
     *    the group's committed offset, -1 where it has none (then kafka.auto.offset.reset
     *    decides). It may run while the driver thread processes or commits a batch (of
     *    records fetched before), never concurrently with another recover;
     *  - direct mode, group coordination (ABI 1.4): also on the driver thread between batches
     *    for the partitions this instance gains in a rebalance; In = the group's committed
     *    offset (or the starting offsets). */
    ss_status (*recover)(ss_app *app, ss_topic_partition *positions, size_t count, size_t position_size,
                         ss_error *err);
} ss_application_api;

typedef struct ss_plugin_descriptor {
    /* Checked first, in this order; never reorder or remove. */
    uint32_t magic;       /* SS_PLUGIN_MAGIC */
    uint16_t abi_major;   /* must equal the host's SS_PLUGIN_ABI_MAJOR */
    uint16_t abi_minor;   /* may be lower than the host's; fields after the prefix are then absent */
    uint32_t struct_size; /* sizeof(ss_plugin_descriptor) as the plugin was built */

    const char *name;        /* e.g. "kafka" */
    const char *version;     /* the plugin's own version, e.g. "0.1.0" */
    const char *description; /* one line */

    const ss_source_api *source;   /* NULL when the plugin is not a source connector */
    const ss_cluster_api *cluster; /* NULL when it offers no embedded cluster */

    /* ---- ABI 1.1 ---- */
    const ss_application_api *application; /* NULL when the plugin is not an application */
} ss_plugin_descriptor;

typedef const ss_plugin_descriptor *(*ss_plugin_entry_fn)(void);

#ifdef __cplusplus
#define SS_PLUGIN_EXTERN_C extern "C"
#else
#define SS_PLUGIN_EXTERN_C
#endif

/* Defines the plugin's entry point and descriptor, in one source file of the plugin:
 *   STREAMSUBMIT_PLUGIN("myapp", "1.0.0", "counts records per key", NULL, NULL, &my_application_api)
 * The entry is declared with its exact prototype first, so a hand-written one with another
 * signature does not compile; the table arguments must be pointers to the matching table
 * types (or NULL), constant expressions in C. */
#define STREAMSUBMIT_PLUGIN(name, version, description, source_table, cluster_table, application_table)       \
    SS_PLUGIN_EXTERN_C SS_PLUGIN_EXPORT const ss_plugin_descriptor *streamsubmit_plugin_entry(void);             \
    SS_PLUGIN_EXTERN_C SS_PLUGIN_EXPORT const ss_plugin_descriptor *streamsubmit_plugin_entry(void) {            \
        static const ss_plugin_descriptor ss_plugin_descriptor_ = {                                             \
            SS_PLUGIN_MAGIC, SS_PLUGIN_ABI_MAJOR,   SS_PLUGIN_ABI_MINOR, (uint32_t)sizeof(ss_plugin_descriptor), \
            (name),          (version),             (description),       (source_table),                        \
            (cluster_table), (application_table)};                                                              \
        return &ss_plugin_descriptor_;                                                                          \
    }

#ifdef __cplusplus
}
#endif

#endif /* STREAMSUBMIT_PLUGIN_H */
