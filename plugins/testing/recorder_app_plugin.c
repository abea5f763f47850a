/* An application that writes down every call the host makes, for the integration tests of
 * the application host (order of process/finish_range/commit, abort on failure, recover).
 * Test-only settings come from the environment:
 *   RECORDER_LOG               file the calls are appended to, one line each
 *   RECORDER_FAIL_COMMIT_BATCH commit of this batch id fails (SS_ERR_INTERNAL)
 *   RECORDER_RECOVER_OFFSET    recover answers this offset for every partition */
#include <streamsubmit/plugin.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct ss_app {
    FILE *log;
    pthread_mutex_t lock; /* process runs on several reader threads */
    long long fail_commit_batch;
    const char *recover_offset;
};

static ss_status create(const ss_app_params *params, ss_app **out, ss_error *err) {
    (void)params;
    const char *path = getenv("RECORDER_LOG");
    ss_app *app = calloc(1, sizeof *app);
    if (!app || !path || !(app->log = fopen(path, "a"))) {
        free(app);
        return ss_error_set(err, SS_ERR_CONFIG, "recorder: set RECORDER_LOG to a writable file");
    }
    pthread_mutex_init(&app->lock, NULL);
    const char *fail = getenv("RECORDER_FAIL_COMMIT_BATCH");
    app->fail_commit_batch = fail ? atoll(fail) : -1;
    app->recover_offset = getenv("RECORDER_RECOVER_OFFSET");
    fprintf(app->log, "create\n");
    fflush(app->log);
    *out = app;
    return SS_OK;
}

static void destroy(ss_app *app) {
    if (!app) return;
    fprintf(app->log, "destroy\n");
    fclose(app->log);
    pthread_mutex_destroy(&app->lock);
    free(app);
}

static void note(ss_app *app, const char *what, const ss_batch *batch, const ss_offset_range *range, size_t count,
                 int64_t first, int64_t last) {
    pthread_mutex_lock(&app->lock);
    if (range)
        fprintf(app->log, "%s %" PRId64 " %s %d %" PRId64 " %" PRId64 " %zu %" PRId64 " %" PRId64 "\n", what,
                batch->id, range->topic, range->partition, range->from, range->until, count, first, last);
    else
        fprintf(app->log, "%s %" PRId64 " %zu\n", what, batch->id, batch->range_count);
    fflush(app->log);
    pthread_mutex_unlock(&app->lock);
}

static ss_status process(ss_app *app, const ss_batch *batch, const ss_offset_range *range, const ss_record *records,
                         size_t count, size_t stride, ss_error *err) {
    (void)err;
    note(app, "process", batch, range, count, records->offset, ss_const_at(ss_record, records, stride, count - 1)->offset);
    return SS_OK;
}

static ss_status finish_range(ss_app *app, const ss_batch *batch, const ss_offset_range *range, ss_error *err) {
    (void)err;
    note(app, "finish", batch, range, 0, -1, -1);
    return SS_OK;
}

static ss_status commit(ss_app *app, const ss_batch *batch, ss_error *err) {
    if (batch->id == app->fail_commit_batch) {
        note(app, "commit-failed", batch, NULL, 0, -1, -1);
        char message[64];
        snprintf(message, sizeof message, "recorder: commit of batch %" PRId64 " fails (test)", batch->id);
        return ss_error_set(err, SS_ERR_INTERNAL, message);
    }
    note(app, "commit", batch, NULL, 0, -1, -1);
    return SS_OK;
}

static void abort_batch(ss_app *app, const ss_batch *batch) { note(app, "abort", batch, NULL, 0, -1, -1); }

static ss_status recover(ss_app *app, ss_topic_partition *positions, size_t count, size_t stride, ss_error *err) {
    (void)err;
    for (size_t i = 0; i < count; ++i) {
        ss_topic_partition *p = ss_at(ss_topic_partition, positions, stride, i);
        pthread_mutex_lock(&app->lock);
        fprintf(app->log, "recover %s %d %" PRId64 "\n", p->topic, p->partition, p->offset);
        pthread_mutex_unlock(&app->lock);
        if (app->recover_offset) p->offset = atoll(app->recover_offset);
    }
    fflush(app->log);
    return SS_OK;
}

/* The tests install the recorder as the files sink (--sink files), so it takes that sink's key. */
static const ss_config_key keys[] = {
    {.name = "dir", .type = SS_KEY_STRING, .doc = "ignored: lets the recorder stand in for the files sink"},
};

static const ss_application_api application_api = {
    .struct_size = sizeof(ss_application_api),
    .create = create,
    .destroy = destroy,
    .process = process,
    .finish_range = finish_range,
    .commit = commit,
    .abort = abort_batch,
    .recover = recover,
    .keys = keys,
    .key_count = sizeof keys / sizeof keys[0],
    .key_stride = sizeof(ss_config_key),
};

STREAMSUBMIT_PLUGIN(.name = "recorder", .version = "0.0.1", .description = "test application that logs every call",
                    .application = &application_api)
