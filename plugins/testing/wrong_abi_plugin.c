/* A plugin that claims a future ABI major: the loader must refuse it by name. */
#include <streamsubmit/plugin.h>

static const ss_plugin_descriptor descriptor = {
    SS_PLUGIN_MAGIC, SS_PLUGIN_ABI_MAJOR + 98, 0, sizeof(ss_plugin_descriptor), "wrong-abi", "0.0.1",
    "test plugin built for another ABI", NULL, NULL, NULL,
};

SS_PLUGIN_EXPORT const ss_plugin_descriptor *streamsubmit_plugin_entry(void) { return &descriptor; }
