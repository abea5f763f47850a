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
 *    may be called from any thread.
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
#define SS_PLUGIN_ABI_MINOR 0u
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
    SS_ERR_BROKER = 8,              /* any other error reported by the brokers */
    SS_ERR_INTERNAL = 9
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

typedef struct ss_record {
    const char *topic;
    int32_t partition;
    int64_t offset;
    int64_t timestamp_ms; /* -1 when unknown */
    const void *key;
    size_t key_len;
    const void *value;
    size_t value_len;
    size_t range_index; /* read_ranges only: index of the range this record belongs to */
} ss_record;

/* Receives records in groups; return 0 to continue, non-zero to stop the call (SS_ERR_INTERRUPTED). */
typedef int (*ss_records_fn)(void *ctx, const ss_record *records, size_t count);

/* Called for every partition found by list_partitions. */
typedef void (*ss_partition_fn)(void *ctx, const char *topic, int32_t partition);

typedef enum ss_rebalance_event { SS_REBALANCE_ASSIGN = 1, SS_REBALANCE_REVOKE = 2 } ss_rebalance_event;

/* Receiver mode: called on the polling thread from inside poll(). On REVOKE the host
 * finishes and commits what it holds for those partitions before returning. */
typedef void (*ss_rebalance_fn)(void *ctx, ss_rebalance_event event, const ss_topic_partition *partitions,
                                size_t count);

typedef struct ss_source ss_source; /* opaque, owned by the plugin */

typedef struct ss_source_create_params {
    uint32_t struct_size;
    const ss_kv *conf; /* connector keys, prefix stripped ("bootstrap.servers", ...) */
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
} ss_plugin_descriptor;

typedef const ss_plugin_descriptor *(*ss_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* STREAMSUBMIT_PLUGIN_H */
