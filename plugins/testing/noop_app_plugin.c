/* An application-only plugin that does nothing with the records but count them: the loader's
 * test of a plugin without a source table, and the application whose cost scripts/bench measures. */
#include <streamsubmit/plugin.h>

#include <stdlib.h>

struct ss_app {
    int64_t records;
};

static ss_app *create(const ss_app_create_params *params, ss_error *err) {
    (void)params;
    ss_app *app = calloc(1, sizeof *app);
    if (!app) err->status = SS_ERR_INTERNAL;
    return app;
}

static void destroy(ss_app *app) { free(app); }

static ss_status process(ss_app *app, const ss_batch *batch, const ss_offset_range *range, const ss_record *records,
                         size_t count, ss_error *err) {
    (void)batch, (void)range, (void)records, (void)err;
    __atomic_add_fetch(&app->records, (int64_t)count, __ATOMIC_RELAXED);
    return SS_OK;
}

static ss_status commit(ss_app *app, const ss_batch *batch, ss_error *err) {
    (void)app, (void)batch, (void)err;
    return SS_OK;
}

static const ss_application_api application_api = {
    sizeof(ss_application_api), create, destroy, process, NULL, commit, NULL, NULL,
};

STREAMSUBMIT_PLUGIN("noop-app", "0.0.1", "test application that only counts records", NULL, NULL, &application_api)
