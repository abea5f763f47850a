/* A plugin as ABI 1.5 built it (the last 1.x): magic, major 1, minor 5, and 1.5's descriptor,
 * returned by 1.x's entry (which took no arguments). ABI 2.0 refuses it on its major, naming
 * the fix (rebuild against the 2.0 header), before it reads past the four-field prefix that
 * every ABI shares. Hand-written: the 2.0 header no longer describes 1.5's layout. */
#include <stdint.h>

#define SS_PLUGIN_MAGIC_1 0x53535031u /* "SSP1", the same in every ABI */

/* ss_plugin_descriptor as ABI 1.5 defined it (1.1 appended the application table). The
 * tables are left out: a host of ABI 2.0 must not look for them. */
typedef struct descriptor_1_5 {
    uint32_t magic;
    uint16_t abi_major;
    uint16_t abi_minor;
    uint32_t struct_size;
    const char *name;
    const char *version;
    const char *description;
    const void *source;      /* 1.5's ss_source_api */
    const void *cluster;     /* 1.5's ss_cluster_api */
    const void *application; /* 1.5's ss_application_api */
} descriptor_1_5;

static const descriptor_1_5 descriptor = {
    SS_PLUGIN_MAGIC_1, 1, 5, (uint32_t)sizeof(descriptor_1_5), "abi-1.5", "0.0.1", "test plugin built for ABI 1.5",
    0, 0, 0,
};

__attribute__((visibility("default"))) const descriptor_1_5 *streamsubmit_plugin_entry(void);
__attribute__((visibility("default"))) const descriptor_1_5 *streamsubmit_plugin_entry(void) { return &descriptor; }
