/* A deliberately slow application for the backpressure tests: it spends a fixed time per
 * record (delayMicros, default 1000) and appends "topic partition offset value" per record
 * to a file (out=PATH), so a test can check that nothing was lost or duplicated. Settings come
 * from its configuration keys or from "key=value" application arguments. Never installed. */
#include <streamsubmit/plugin.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ss_app {
    FILE *out;
    long delay_us;
    pthread_mutex_t mu;
};

static const char *setting(const ss_app_create_params *p, const char *key) {
    const size_t len = strlen(key);
    for (size_t i = 0; i < p->conf_count; ++i)
        if (strcmp(p->conf[i].key, key) == 0) return p->conf[i].value;
    for (size_t i = 0; i < p->arg_count; ++i)
        if (strncmp(p->args[i], key, len) == 0 && p->args[i][len] == '=') return p->args[i] + len + 1;
    return NULL;
}

static ss_app *create(const ss_app_create_params *params, ss_error *err) {
    const char *path = setting(params, "out");
    const char *delay = setting(params, "delayMicros");
    if (!path) {
        err->status = SS_ERR_CONFIG;
        snprintf(err->message, sizeof err->message, "slow-app needs out=PATH (where it writes the records)");
        return NULL;
    }
    ss_app *app = calloc(1, sizeof *app);
    if (!app) {
        err->status = SS_ERR_INTERNAL;
        return NULL;
    }
    app->delay_us = delay ? atol(delay) : 1000;
    app->out = fopen(path, "a");
    if (!app->out) {
        err->status = SS_ERR_CONFIG;
        snprintf(err->message, sizeof err->message, "slow-app cannot open %s", path);
        free(app);
        return NULL;
    }
    pthread_mutex_init(&app->mu, NULL);
    return app;
}

static void destroy(ss_app *app) {
    if (!app) return;
    fclose(app->out);
    pthread_mutex_destroy(&app->mu);
    free(app);
}

static ss_status process(ss_app *app, const ss_batch *batch, const ss_offset_range *range, const ss_record *records,
                         size_t count, ss_error *err) {
    (void)batch, (void)range, (void)err;
    const long long total_us = (long long)app->delay_us * (long long)count;
    struct timespec pause = {(time_t)(total_us / 1000000), (long)(total_us % 1000000) * 1000};
    while (nanosleep(&pause, &pause) != 0) {}
    pthread_mutex_lock(&app->mu);
    for (size_t i = 0; i < count; ++i) {
        const ss_record *r = ss_record_at(records, i);
        fprintf(app->out, "%s %d %lld ", r->topic, (int)r->partition, (long long)r->offset);
        if (r->value) fwrite(r->value, 1, r->value_len, app->out);
        fputc('\n', app->out);
    }
    pthread_mutex_unlock(&app->mu);
    return SS_OK;
}

static ss_status commit(ss_app *app, const ss_batch *batch, ss_error *err) {
    (void)batch;
    pthread_mutex_lock(&app->mu);
    const int failed = fflush(app->out) != 0;
    pthread_mutex_unlock(&app->mu);
    if (failed) {
        err->status = SS_ERR_INTERNAL;
        snprintf(err->message, sizeof err->message, "slow-app cannot write its output");
        return SS_ERR_INTERNAL;
    }
    return SS_OK;
}

static const ss_application_api application_api = {
    sizeof(ss_application_api), create, destroy, process, NULL, commit, NULL, NULL,
};

STREAMSUBMIT_PLUGIN("slow-app", "0.0.1", "test application that takes a fixed time per record", NULL, NULL,
                    &application_api)
