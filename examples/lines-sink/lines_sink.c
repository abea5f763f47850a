/* lines: a sink plugin in C, written outside streamsubmit's tree. It appends one line per
 * record to a file, "<topic> <partition> <offset> <prefix><value>", and declares its own keys,
 * which the host checks, defaults and lists like its own:
 *
 *   streamsubmit --packages io.acme:lines-sink:1.0.0 --sink lines \
 *     --conf sink.lines.path=/data/lines.txt --conf sink.lines.uppercase=true ...
 *
 * process() formats a batch's records into memory (reader threads, in parallel across
 * partitions); commit() appends them and fsyncs, so a committed batch is durable; abort()
 * drops them. A batch re-run after a crash between commit and the checkpoint is appended
 * again: at-least-once (count-by-key shows how to make such a re-run exactly-once). */
#define _POSIX_C_SOURCE 200809L /* strdup, O_CLOEXEC, fsync */
#include <streamsubmit/plugin.h>

#include <ctype.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ss_app {
    int fd;
    char *prefix;
    int uppercase;
    pthread_mutex_t lock; /* process runs on several reader threads */
    char *pending;        /* the open batch's lines */
    size_t size, capacity;
};

static const ss_config_key keys[] = {
    {.name = "path", .type = SS_KEY_STRING, .doc = "lines sink: the file the lines are appended to",
     .flags = SS_KEY_REQUIRED},
    {.name = "prefix", .type = SS_KEY_STRING, .default_value = "", .doc = "lines sink: written before each value"},
    {.name = "uppercase", .type = SS_KEY_BOOL, .default_value = "false",
     .doc = "lines sink: upper-case the values' ASCII letters"},
};

/* The value of a key, or NULL; the host filled in the defaults. */
static const char *setting(const ss_app_params *params, const char *key) {
    for (size_t i = 0; i < params->conf_count; ++i) {
        const ss_kv *kv = ss_const_at(ss_kv, params->conf, params->conf_stride, i);
        if (strcmp(kv->key, key) == 0) return kv->value;
    }
    return NULL;
}

static int append(ss_app *app, const char *data, size_t len) {
    if (app->size + len > app->capacity) {
        size_t capacity = app->capacity ? app->capacity : 4096;
        while (capacity < app->size + len) capacity *= 2;
        char *grown = realloc(app->pending, capacity);
        if (!grown) return -1;
        app->pending = grown;
        app->capacity = capacity;
    }
    memcpy(app->pending + app->size, data, len);
    app->size += len;
    return 0;
}

static void destroy(ss_app *app) {
    if (!app) return;
    if (app->fd >= 0) close(app->fd);
    pthread_mutex_destroy(&app->lock);
    free(app->pending);
    free(app->prefix);
    free(app);
}

static ss_status create(const ss_app_params *params, ss_app **out, ss_error *err) {
    const char *path = setting(params, "path"); /* required: the host refused the job without it */
    const char *prefix = setting(params, "prefix");
    const char *uppercase = setting(params, "uppercase");
    ss_app *app = calloc(1, sizeof *app);
    if (!app) return ss_error_set(err, SS_ERR_INTERNAL, "lines sink: out of memory");
    app->fd = -1;
    pthread_mutex_init(&app->lock, NULL);
    app->prefix = strdup(prefix ? prefix : "");
    app->uppercase = uppercase && strcmp(uppercase, "true") == 0;
    app->fd = path ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
    if (!app->prefix || app->fd < 0) {
        char message[sizeof err->message];
        snprintf(message, sizeof message, "lines sink: cannot open sink.lines.path '%s' for appending",
                 path ? path : "(unset)");
        destroy(app);
        return ss_error_set(err, SS_ERR_CONFIG, message);
    }
    *out = app;
    return SS_OK;
}

static ss_status process(ss_app *app, const ss_batch *batch, const ss_offset_range *range, const ss_record *records,
                         size_t count, size_t stride, ss_error *err) {
    (void)batch, (void)range;
    pthread_mutex_lock(&app->lock);
    int failed = 0;
    for (size_t i = 0; i < count && !failed; ++i) {
        const ss_record *r = ss_const_at(ss_record, records, stride, i);
        char head[512];
        const int n = snprintf(head, sizeof head, "%s %d %lld %s", r->topic, r->partition, (long long)r->offset,
                               app->prefix);
        const size_t at = app->size;
        failed = n < 0 || append(app, head, (size_t)n) != 0 ||
                 append(app, r->value ? r->value : "", r->value ? r->value_len : 0) != 0 || append(app, "\n", 1) != 0;
        if (!failed && app->uppercase)
            for (size_t j = at + (size_t)n; j < app->size; ++j) app->pending[j] = (char)toupper((unsigned char)app->pending[j]);
    }
    pthread_mutex_unlock(&app->lock);
    return failed ? ss_error_set(err, SS_ERR_INTERNAL, "lines sink: out of memory") : SS_OK;
}

static ss_status commit(ss_app *app, const ss_batch *batch, ss_error *err) {
    (void)batch;
    for (size_t done = 0; done < app->size;) {
        const ssize_t n = write(app->fd, app->pending + done, app->size - done);
        if (n < 0) return ss_error_set(err, SS_ERR_INTERNAL, "lines sink: cannot write sink.lines.path");
        done += (size_t)n;
    }
    app->size = 0;
    if (fsync(app->fd) != 0) return ss_error_set(err, SS_ERR_INTERNAL, "lines sink: cannot fsync sink.lines.path");
    return SS_OK;
}

static void abort_batch(ss_app *app, const ss_batch *batch) {
    (void)batch;
    app->size = 0;
}

static const ss_application_api sink = {
    .struct_size = sizeof(ss_application_api),
    .create = create,
    .destroy = destroy,
    .process = process,
    .commit = commit,
    .abort = abort_batch,
    .keys = keys,
    .key_count = sizeof keys / sizeof keys[0],
    .key_stride = sizeof(ss_config_key),
};

STREAMSUBMIT_PLUGIN(.name = "lines", .version = "1.0.0", .description = "appends one line per record to a file",
                    .application = &sink)
