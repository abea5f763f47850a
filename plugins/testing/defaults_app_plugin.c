/* An application that asks for connector defaults (ABI 2.4 source_defaults) and otherwise does
 * nothing: the loader's and the command line's tests of them. Built three times: as asked
 * (defaults_app), with a key outside kafka.* (DEFAULTS_OUTSIDE_KAFKA, refused by the command
 * line) and with an unusable stride (DEFAULTS_BAD_STRIDE, refused at load). */
#include <streamsubmit/plugin.h>

static ss_status create(const ss_app_params *params, ss_app **out, ss_error *err) {
    (void)params, (void)err;
    static char app; /* nothing to keep */
    *out = (ss_app *)(void *)&app;
    return SS_OK;
}

static void destroy(ss_app *app) { (void)app; }

static ss_status process(ss_app *app, const ss_batch *batch, const ss_offset_range *range, const ss_record *records,
                         size_t count, size_t stride, ss_error *err) {
    (void)app, (void)batch, (void)range, (void)records, (void)count, (void)stride, (void)err;
    return SS_OK;
}

static ss_status commit(ss_app *app, const ss_batch *batch, ss_error *err) {
    (void)app, (void)batch, (void)err;
    return SS_OK;
}

#if defined(DEFAULTS_OUTSIDE_KAFKA)
static const ss_kv source_defaults[] = {{"kafka.fetch.wait.max.ms", "77"}, {"stream.batchInterval", "1s"}};
#else
static const ss_kv source_defaults[] = {{"kafka.fetch.wait.max.ms", "77"},
                                        {"kafka.queued.max.messages.kbytes", "1234"}};
#endif
#if defined(DEFAULTS_BAD_STRIDE)
#define DEFAULTS_STRIDE 1
#else
#define DEFAULTS_STRIDE sizeof(ss_kv)
#endif

static const ss_application_api application_api = {
    .struct_size = sizeof(ss_application_api),
    .create = create,
    .destroy = destroy,
    .process = process,
    .commit = commit,
    .source_defaults = source_defaults,
    .source_default_count = sizeof source_defaults / sizeof source_defaults[0],
    .source_default_stride = DEFAULTS_STRIDE,
};

STREAMSUBMIT_PLUGIN(.name = "defaults-app", .version = "0.0.1",
                    .description = "test application that asks for connector defaults",
                    .application = &application_api)
