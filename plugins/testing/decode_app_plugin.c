/* A test application for the ABI 2.3 decode host call: decodes every record's key and value
 * through ss_host_api.decode (the job's stream.key.format / stream.value.format) and appends
 * one JSON line per record to a file (app.out=PATH), flushed at commit:
 *   {"partition":P,"offset":O,"key":JSON|null,"keySchemaId":N,"value":JSON|null,"valueSchemaId":N}
 * (a part read as bytes: null, without its schema id). A record the host cannot decode fails
 * the batch with the host's status and message. Never installed. */
#include <streamsubmit/plugin.h>

#include "app_settings.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ss_app {
    FILE *out;
    const ss_host_api *host;
    pthread_mutex_t mu;
};

static ss_status create(const ss_app_params *params, ss_app **out, ss_error *err) {
    const char *path = setting(params, "out");
    if (!path) return ss_error_set(err, SS_ERR_CONFIG, "decode-app needs app.out=PATH (where it writes the records)");
    if (!ss_host_can_decode(params->host))
        return ss_error_set(err, SS_ERR_UNSUPPORTED,
                            "decode-app needs a host with the decode call (ABI 2.3) and a stream.*.format other than bytes");
    ss_app *app = calloc(1, sizeof *app);
    if (!app) return ss_error_set(err, SS_ERR_INTERNAL, "decode-app: out of memory");
    app->host = params->host;
    app->out = fopen(path, "a");
    if (!app->out) {
        free(app);
        return ss_error_set(err, SS_ERR_CONFIG, "decode-app cannot open its app.out file");
    }
    pthread_mutex_init(&app->mu, NULL);
    *out = app;
    return SS_OK;
}

static void destroy(ss_app *app) {
    if (!app) return;
    fclose(app->out);
    pthread_mutex_destroy(&app->mu);
    free(app);
}

struct part {
    const char *json; /* NULL: null, or read as bytes */
    size_t len;
    int32_t id;
};

static ss_status decode_part(ss_app *app, const ss_record *r, ss_record_part which, struct part *out, ss_error *err) {
    out->json = NULL;
    out->len = 0;
    out->id = -1;
    const ss_status st = app->host->decode(app->host->decode_ctx, r, which, &out->json, &out->len, &out->id, err);
    return st == SS_ERR_UNSUPPORTED ? SS_OK : st; /* SS_ERR_UNSUPPORTED: that part's format is bytes */
}

/* `,"name":JSON,"nameSchemaId":N`, or `,"name":null`. */
static void write_part(ss_app *app, const struct part *p, const char *name) {
    fprintf(app->out, ",\"%s\":", name);
    if (!p->json) {
        fputs("null", app->out);
        return;
    }
    fwrite(p->json, 1, p->len, app->out);
    fprintf(app->out, ",\"%sSchemaId\":%d", name, (int)p->id);
}

static ss_status process(ss_app *app, const ss_batch *batch, const ss_offset_range *range, const ss_record *records,
                         size_t count, size_t stride, ss_error *err) {
    (void)batch;
    (void)range;
    ss_status st = SS_OK;
    pthread_mutex_lock(&app->mu);
    for (size_t i = 0; i < count && st == SS_OK; ++i) {
        const ss_record *r = ss_const_at(ss_record, records, stride, i);
        /* Both parts first: the key's JSON stays valid while the value is decoded (a buffer per part). */
        struct part key, value;
        st = decode_part(app, r, SS_PART_KEY, &key, err);
        if (st == SS_OK) st = decode_part(app, r, SS_PART_VALUE, &value, err);
        if (st != SS_OK) break;
        fprintf(app->out, "{\"partition\":%d,\"offset\":%lld", (int)r->partition, (long long)r->offset);
        write_part(app, &key, "key");
        write_part(app, &value, "value");
        fputs("}\n", app->out);
    }
    pthread_mutex_unlock(&app->mu);
    return st;
}

static ss_status commit(ss_app *app, const ss_batch *batch, ss_error *err) {
    (void)batch;
    pthread_mutex_lock(&app->mu);
    const int failed = fflush(app->out) != 0;
    pthread_mutex_unlock(&app->mu);
    if (failed) return ss_error_set(err, SS_ERR_INTERNAL, "decode-app cannot write its output");
    return SS_OK;
}

static const ss_config_key keys[] = {
    {"out", SS_KEY_STRING, NULL, NULL, "file the decoded records are appended to, one JSON line each", 0},
};

static const ss_application_api application_api = {
    .struct_size = sizeof(ss_application_api),
    .create = create,
    .destroy = destroy,
    .process = process,
    .commit = commit,
    .keys = keys,
    .key_count = sizeof keys / sizeof keys[0],
    .key_stride = sizeof keys[0],
};

STREAMSUBMIT_PLUGIN(.name = "decode-app", .version = "0.0.1",
                    .description = "test application that writes every record as decoded by the host's decode call",
                    .application = &application_api)
