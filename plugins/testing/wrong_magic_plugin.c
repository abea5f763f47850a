/* A shared object whose entry returns something that is not a descriptor. */
#include <streamsubmit/plugin.h>

static const uint32_t not_a_descriptor[16] = {0xDEADBEEFu};

SS_PLUGIN_EXPORT const ss_plugin_descriptor *streamsubmit_plugin_entry(void) {
    return (const ss_plugin_descriptor *)(const void *)not_a_descriptor;
}
