/* A plugin that claims a future ABI major (99): the loader must refuse it by name, before it
 * reads anything past the descriptor's prefix. Written out by hand: the descriptor macro
 * always declares this build's ABI. */
#include <streamsubmit/plugin.h>

static const ss_plugin_descriptor descriptor = {
    .magic = SS_PLUGIN_MAGIC,
    .abi_major = 99,
    .abi_minor = 0,
    .struct_size = sizeof(ss_plugin_descriptor),
    .name = "wrong-abi",
    .version = "0.0.1",
    .description = "test plugin built for another ABI",
};

SS_PLUGIN_EXPORT const ss_plugin_descriptor *streamsubmit_plugin_entry(uint16_t host_abi_major,
                                                                       uint16_t host_abi_minor);
SS_PLUGIN_EXPORT const ss_plugin_descriptor *streamsubmit_plugin_entry(uint16_t host_abi_major,
                                                                       uint16_t host_abi_minor) {
    (void)host_abi_major, (void)host_abi_minor;
    return &descriptor;
}
