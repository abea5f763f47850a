/* A shared object whose entry returns something that is not a descriptor. */
#include <streamsubmit/plugin.h>

static const uint32_t not_a_descriptor[16] = {0xDEADBEEFu};

SS_PLUGIN_EXPORT const ss_plugin_descriptor *streamsubmit_plugin_entry(uint16_t host_abi_major,
                                                                       uint16_t host_abi_minor);
SS_PLUGIN_EXPORT const ss_plugin_descriptor *streamsubmit_plugin_entry(uint16_t host_abi_major,
                                                                       uint16_t host_abi_minor) {
    (void)host_abi_major, (void)host_abi_minor;
    return (const ss_plugin_descriptor *)(const void *)not_a_descriptor;
}
