/* A plugin as ABI 1.0 built it: minor 0, a descriptor that ends before 1.1's application
 * table, and records in 1.0's layout (72 bytes on LP64, ending at range_index). Old plugins keep
 * loading; the host must not read past the sizes they declare and must convert their records. */
#include <streamsubmit/plugin.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* ss_record as ABI 1.0 defined it. */
typedef struct record_1_0 {
    const char *topic;
    int32_t partition;
    int64_t offset;
    int64_t timestamp_ms;
    const void *key;
    size_t key_len;
    const void *value;
    size_t value_len;
    size_t range_index;
} record_1_0;

static int the_source; /* any non-NULL handle */

static ss_source *create(const ss_source_create_params *params, ss_error *err) {
    (void)params, (void)err;
    return (ss_source *)(void *)&the_source;
}
static void destroy(ss_source *src) { (void)src; }
static void interrupt_source(ss_source *src) { (void)src; }
static ss_status unsupported(ss_error *err) {
    err->status = SS_ERR_UNSUPPORTED;
    strcpy(err->message, "abi-1.0 test plugin: only read_ranges is implemented");
    return SS_ERR_UNSUPPORTED;
}
static ss_status list_partitions(ss_source *s, const char *const *t, size_t n, const char *p, int ms, ss_partition_fn fn,
                                 void *ctx, ss_error *err) {
    (void)s, (void)t, (void)n, (void)p, (void)ms, (void)fn, (void)ctx;
    return unsupported(err);
}
static ss_status query_watermarks(ss_source *s, ss_watermarks *w, size_t n, int ms, ss_error *err) {
    (void)s, (void)w, (void)n, (void)ms;
    return unsupported(err);
}
static ss_status offsets_for_times(ss_source *s, ss_topic_partition *p, size_t n, int ms, ss_error *err) {
    (void)s, (void)p, (void)n, (void)ms;
    return unsupported(err);
}
/* Every range gets records from..until-1, key "k<offset>", value "v<offset>"; offset 1 has a NULL value. */
static ss_status read_ranges(ss_source *s, const ss_offset_range *ranges, size_t count, ss_records_fn fn, void *ctx,
                             ss_error *err) {
    (void)s, (void)err;
    record_1_0 recs[16];
    char keys[16][24], values[16][24];
    size_t n = 0;
    for (size_t r = 0; r < count; ++r)
        for (int64_t o = ranges[r].from; o < ranges[r].until && n < 16; ++o, ++n) {
            size_t kl = (size_t)snprintf(keys[n], sizeof keys[n], "k%lld", (long long)o);
            size_t vl = (size_t)snprintf(values[n], sizeof values[n], "v%lld", (long long)o);
            record_1_0 rec = {ranges[r].topic, ranges[r].partition, o, 1000 + o, keys[n], kl,
                              o == 1 ? NULL : values[n], o == 1 ? 0 : vl, r};
            recs[n] = rec;
        }
    if (n > 0 && fn(ctx, (const ss_record *)(const void *)recs, n) != 0) return SS_ERR_INTERRUPTED;
    return SS_OK;
}
static ss_status commit_offsets(ss_source *s, const ss_topic_partition *o, size_t n, ss_error *err) {
    (void)s, (void)o, (void)n;
    return unsupported(err);
}
static ss_status subscribe(ss_source *s, const char *const *t, size_t n, ss_rebalance_fn fn, void *ctx, ss_error *err) {
    (void)s, (void)t, (void)n, (void)fn, (void)ctx;
    return unsupported(err);
}
static ss_status poll_source(ss_source *s, int ms, size_t max, ss_records_fn fn, void *ctx, ss_error *err) {
    (void)s, (void)ms, (void)max, (void)fn, (void)ctx;
    return unsupported(err);
}
static ss_status pause_source(ss_source *s, const ss_topic_partition *p, size_t n, ss_error *err) {
    (void)s, (void)p, (void)n;
    return unsupported(err);
}

/* The table as 1.0 had it: calls after resume (appended later) are absent. */
static const ss_source_api source_api = {
    .struct_size = (uint32_t)(offsetof(ss_source_api, resume) + sizeof(void *)),
    .create = create,
    .destroy = destroy,
    .interrupt = interrupt_source,
    .list_partitions = list_partitions,
    .query_watermarks = query_watermarks,
    .offsets_for_times = offsets_for_times,
    .read_ranges = read_ranges,
    .commit_offsets = commit_offsets,
    .subscribe = subscribe,
    .poll = poll_source,
    .pause = pause_source,
    .resume = pause_source,
};

static const ss_plugin_descriptor descriptor = {
    SS_PLUGIN_MAGIC, SS_PLUGIN_ABI_MAJOR, 0, (uint32_t)offsetof(ss_plugin_descriptor, application), "abi-1.0",
    "0.0.1", "test plugin built for ABI 1.0", &source_api, NULL,
    /* what follows is past the declared size: a 1.0 build has garbage here, so put some */
    (const ss_application_api *)(uintptr_t)0x1,
};

SS_PLUGIN_EXPORT const ss_plugin_descriptor *streamsubmit_plugin_entry(void) { return &descriptor; }
