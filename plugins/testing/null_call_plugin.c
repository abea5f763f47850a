/* A source connector whose direct table has NULL required calls (list_partitions first): the
 * loader must refuse it at load, naming the missing call, instead of the host crashing on the
 * first batch. */
#include <streamsubmit/plugin.h>

static ss_status create(const ss_source_params *params, ss_source **out, ss_error *err) {
    (void)params, (void)out;
    return ss_error_set(err, SS_ERR_UNSUPPORTED, "null-call test plugin: never created");
}
static void destroy(ss_source *src) { (void)src; }
static void interrupt_source(ss_source *src) { (void)src; }

static const ss_direct_api direct_api = {.struct_size = sizeof(ss_direct_api)}; /* every call NULL */

static const ss_source_api source_api = {
    .struct_size = sizeof(ss_source_api),
    .create = create,
    .destroy = destroy,
    .interrupt = interrupt_source,
    .direct = &direct_api,
};

STREAMSUBMIT_PLUGIN(.name = "null-call", .version = "0.0.1",
                    .description = "test source connector with NULL required calls", .source = &source_api)
