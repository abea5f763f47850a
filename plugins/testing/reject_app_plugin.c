/* A test application for dead letters: rejects (ABI 2.2 ss_host_api.reject, stage application)
 * every record whose value contains `marker` (app.marker, default "POISON") and appends every
 * other record as "topic partition offset value" to a file (app.out=PATH) at commit; a failed
 * batch's records are dropped (abort), so the file holds committed batches only. Never installed. */
#include <streamsubmit/plugin.h>

#include "app_settings.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ss_app {
    FILE *out;
    char *pending; /* the batch's lines until commit (open_memstream) */
    size_t pending_len;
    FILE *lines;
    char marker[256];
    const ss_host_api *host;
    pthread_mutex_t mu;
};

static ss_status create(const ss_app_params *params, ss_app **out, ss_error *err) {
    const char *path = setting(params, "out");
    const char *marker = setting(params, "marker");
    if (!path) return ss_error_set(err, SS_ERR_CONFIG, "reject-app needs app.out=PATH (where it writes the records)");
    if (!ss_host_can_reject(params->host))
        return ss_error_set(err, SS_ERR_UNSUPPORTED, "reject-app needs a host with the reject call (ABI 2.2)");
    ss_app *app = calloc(1, sizeof *app);
    if (!app) return ss_error_set(err, SS_ERR_INTERNAL, "reject-app: out of memory");
    snprintf(app->marker, sizeof app->marker, "%s", marker && *marker ? marker : "POISON");
    app->host = params->host;
    app->out = fopen(path, "a");
    if (!app->out) {
        free(app);
        return ss_error_set(err, SS_ERR_CONFIG, "reject-app cannot open its app.out file");
    }
    app->lines = open_memstream(&app->pending, &app->pending_len);
    if (!app->lines) {
        fclose(app->out);
        free(app);
        return ss_error_set(err, SS_ERR_INTERNAL, "reject-app: out of memory");
    }
    pthread_mutex_init(&app->mu, NULL);
    *out = app;
    return SS_OK;
}

static void destroy(ss_app *app) {
    if (!app) return;
    fclose(app->lines);
    free(app->pending);
    fclose(app->out);
    pthread_mutex_destroy(&app->mu);
    free(app);
}

static int poisoned(const ss_app *app, const ss_record *r) {
    const size_t n = strlen(app->marker);
    if (!r->value || r->value_len < n) return 0;
    const char *v = r->value;
    for (size_t i = 0; i + n <= r->value_len; ++i)
        if (memcmp(v + i, app->marker, n) == 0) return 1;
    return 0;
}

static ss_status process(ss_app *app, const ss_batch *batch, const ss_offset_range *range, const ss_record *records,
                         size_t count, size_t stride, ss_error *err) {
    (void)range;
    pthread_mutex_lock(&app->mu);
    for (size_t i = 0; i < count; ++i) {
        const ss_record *r = ss_const_at(ss_record, records, stride, i);
        if (poisoned(app, r)) {
            const ss_status st = app->host->reject(app->host->reject_ctx, batch, r, SS_STAGE_APPLICATION,
                                                   "PoisonRecord", "the value holds the marker", err);
            if (st != SS_OK) {
                pthread_mutex_unlock(&app->mu);
                return st;
            }
            continue;
        }
        fprintf(app->lines, "%s %d %lld ", r->topic, (int)r->partition, (long long)r->offset);
        if (r->value) fwrite(r->value, 1, r->value_len, app->lines);
        fputc('\n', app->lines);
    }
    pthread_mutex_unlock(&app->mu);
    return SS_OK;
}

static ss_status commit(ss_app *app, const ss_batch *batch, ss_error *err) {
    (void)batch;
    pthread_mutex_lock(&app->mu);
    fflush(app->lines);
    const int failed = fwrite(app->pending, 1, app->pending_len, app->out) != app->pending_len || fflush(app->out) != 0;
    rewind(app->lines); /* the next batch's lines start over */
    app->pending_len = 0;
    pthread_mutex_unlock(&app->mu);
    if (failed) return ss_error_set(err, SS_ERR_INTERNAL, "reject-app cannot write its output");
    return SS_OK;
}

static void abort_batch(ss_app *app, const ss_batch *batch) {
    (void)batch;
    pthread_mutex_lock(&app->mu);
    fflush(app->lines);
    rewind(app->lines);
    app->pending_len = 0;
    pthread_mutex_unlock(&app->mu);
}

static const ss_config_key keys[] = {
    {"out", SS_KEY_STRING, NULL, NULL, "file the good records are appended to, one \"topic partition offset value\" line each", 0},
    {"marker", SS_KEY_STRING, "POISON", NULL, "a record whose value contains this is rejected", 0},
};

static const ss_application_api application_api = {
    .struct_size = sizeof(ss_application_api),
    .create = create,
    .destroy = destroy,
    .process = process,
    .commit = commit,
    .abort = abort_batch,
    .keys = keys,
    .key_count = sizeof keys / sizeof keys[0],
    .key_stride = sizeof keys[0],
};

STREAMSUBMIT_PLUGIN(.name = "reject-app", .version = "0.0.1",
                    .description = "test application that rejects records holding a marker",
                    .application = &application_api)
