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

static const char *setting(const ss_app_params *p, const char *key) {
    const size_t len = strlen(key);
    for (size_t i = 0; i < p->conf_count; ++i) {
        const ss_kv *kv = ss_const_at(ss_kv, p->conf, p->conf_stride, i);
        if (strcmp(kv->key, key) == 0) return kv->value;
    }
    for (size_t i = 0; i < p->arg_count; ++i)
        if (strncmp(p->args[i], key, len) == 0 && p->args[i][len] == '=') return p->args[i] + len + 1;
    return NULL;
}

static ss_status create(const ss_app_params *params, ss_app **out, ss_error *err) {
    const char *path = setting(params, "out");
    const char *delay = setting(params, "delayMicros");
    if (!path) {
        return ss_error_set(err, SS_ERR_CONFIG, "slow-app needs out=PATH (where it writes the records)");
    }
    ss_app *app = calloc(1, sizeof *app);
    if (!app) {
        return ss_error_set(err, SS_ERR_INTERNAL, "slow-app: out of memory");
    }
    app->delay_us = delay ? atol(delay) : 1000;
    app->out = fopen(path, "a");
    if (!app->out) {
        char message[sizeof err->message];
        snprintf(message, sizeof message, "slow-app cannot open %s", path);
        free(app);
        return ss_error_set(err, SS_ERR_CONFIG, message);
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

static ss_status process(ss_app *app, const ss_batch *batch, const ss_offset_range *range, const ss_record *records,
                         size_t count, size_t stride, ss_error *err) {
    (void)batch, (void)range, (void)err;
    const long long total_us = (long long)app->delay_us * (long long)count;
    struct timespec pause = {(time_t)(total_us / 1000000), (long)(total_us % 1000000) * 1000};
    while (nanosleep(&pause, &pause) != 0) {}
    pthread_mutex_lock(&app->mu);
    for (size_t i = 0; i < count; ++i) {
        const ss_record *r = ss_const_at(ss_record, records, stride, i);
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
    if (failed) return ss_error_set(err, SS_ERR_INTERNAL, "slow-app cannot write its output");
    return SS_OK;
}

/* As app.out / app.delayMicros. No default here: the host would fill it into conf, which
 * setting() reads before the arguments. */
static const ss_config_key keys[] = {
    {"out", SS_KEY_STRING, NULL, NULL, "file the records are appended to, one \"topic partition offset value\" line each",
     0},
    {"delayMicros", SS_KEY_INT, NULL, NULL, "time spent per record, in microseconds; 1000 when not given", 0},
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

STREAMSUBMIT_PLUGIN(.name = "slow-app", .version = "0.0.1",
                    .description = "test application that takes a fixed time per record", .application = &application_api)
