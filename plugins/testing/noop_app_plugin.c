/* An application-only plugin that does nothing with the records but count them: the loader's
 * test of a plugin without a source table, and the application whose cost scripts/bench measures. */
#include <streamsubmit/plugin.h>

#include <stdlib.h>

struct ss_app {
    int64_t records;
};

static ss_status create(const ss_app_params *params, ss_app **out, ss_error *err) {
    (void)params;
    ss_app *app = calloc(1, sizeof *app);
    if (!app) return ss_error_set(err, SS_ERR_INTERNAL, "noop-app: out of memory");
    *out = app;
    return SS_OK;
}

static void destroy(ss_app *app) { free(app); }

static ss_status process(ss_app *app, const ss_batch *batch, const ss_offset_range *range, const ss_record *records,
                         size_t count, size_t stride, ss_error *err) {
    (void)batch, (void)range, (void)records, (void)stride, (void)err;
    __atomic_add_fetch(&app->records, (int64_t)count, __ATOMIC_RELAXED);
    return SS_OK;
}

static ss_status commit(ss_app *app, const ss_batch *batch, ss_error *err) {
    (void)app, (void)batch, (void)err;
    return SS_OK;
}

static const ss_application_api application_api = {
    .struct_size = sizeof(ss_application_api),
    .create = create,
    .destroy = destroy,
    .process = process,
    .commit = commit,
};

STREAMSUBMIT_PLUGIN(.name = "noop-app", .version = "0.0.1", .description = "test application that only counts records",
                    .application = &application_api)
