/*
 * streamsubmit plugin ABI 2.0, test-only part: an embedded broker cluster for demos, smoke
 * tests and fault injection (`streamsubmit mock-cluster`, the embedded default of
 * `scripts/demo`). Kafka protocol details (API keys, error codes) live here, not in
 * <streamsubmit/plugin.h>: a source connector for another system never sees them.
 * A plugin offers it through ss_plugin_descriptor.cluster.
 */
#ifndef STREAMSUBMIT_TESTING_H
#define STREAMSUBMIT_TESTING_H

#include <streamsubmit/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ss_cluster ss_cluster; /* opaque, owned by the plugin */

typedef struct ss_cluster_params {
    uint32_t struct_size;
    int32_t broker_count;
    const ss_host_api *host; /* valid until destroy returns */
} ss_cluster_params;

/* Every call runs on the thread that owns the cluster unless it says otherwise. */
typedef struct ss_cluster_api {
    uint32_t struct_size;
    /* Required. On SS_OK *out is the new cluster; otherwise err says why. */
    ss_status (*create)(const ss_cluster_params *params, ss_cluster **out, ss_error *err);
    /* Required. Last call; cluster may be NULL. */
    void (*destroy)(ss_cluster *cluster);
    /* Required. "host:port,host:port"; valid until destroy. */
    const char *(*bootstrap_servers)(ss_cluster *cluster);
    ss_status (*create_topic)(ss_cluster *cluster, const char *topic, int partitions, ss_error *err);
    /* Produces `count` keyed records (key "key-<n>", value of value_bytes bytes), spread over partitions. */
    ss_status (*produce)(ss_cluster *cluster, const char *topic, int64_t count, size_t value_bytes, ss_error *err);
    ss_status (*set_broker_up)(ss_cluster *cluster, int32_t broker_id, int up, ss_error *err);
    ss_status (*set_leader)(ss_cluster *cluster, const char *topic, int32_t partition, int32_t broker_id,
                            ss_error *err);
    ss_status (*set_broker_rtt)(ss_cluster *cluster, int32_t broker_id, int rtt_ms, ss_error *err);
    /* Makes the next `count` requests of Kafka API `api_key` fail with Kafka error code `error_code`. */
    ss_status (*push_request_errors)(ss_cluster *cluster, int16_t api_key, size_t count, int error_code,
                                     ss_error *err);
} ss_cluster_api;

#ifdef __cplusplus
}
#endif

#endif /* STREAMSUBMIT_TESTING_H */
