/* A source connector whose read_ranges is NULL: the loader must refuse it at load, naming
 * the missing call, instead of the host crashing on the first batch. */
#include <streamsubmit/plugin.h>

static ss_source *create(const ss_source_create_params *params, ss_error *err) {
    (void)params;
    err->status = SS_ERR_UNSUPPORTED;
    return NULL;
}
static void destroy(ss_source *src) { (void)src; }
static void interrupt_source(ss_source *src) { (void)src; }

static const ss_source_api source_api = {
    sizeof(ss_source_api), create, destroy, interrupt_source, NULL, NULL, NULL, NULL /* read_ranges */,
    NULL, NULL, NULL, NULL, NULL, NULL /* join_group */, NULL, NULL, NULL, NULL /* start_assigned_at */,
};

STREAMSUBMIT_PLUGIN("null-call", "0.0.1", "test source connector with NULL required calls", &source_api, NULL, NULL)
