/* A plugin as ABI 1.0 built it: minor 0 and a descriptor that ends before 1.1's application
 * table. Old plugins keep loading; the host must not read past the size they declare. */
#include <streamsubmit/plugin.h>

#include <stddef.h>

static const ss_plugin_descriptor descriptor = {
    SS_PLUGIN_MAGIC, SS_PLUGIN_ABI_MAJOR, 0, (uint32_t)offsetof(ss_plugin_descriptor, application), "abi-1.0",
    "0.0.1", "test plugin built for ABI 1.0", NULL, NULL,
    /* what follows is past the declared size: a 1.0 build has garbage here, so put some */
    (const ss_application_api *)(uintptr_t)0x1,
};

SS_PLUGIN_EXPORT const ss_plugin_descriptor *streamsubmit_plugin_entry(void) { return &descriptor; }
