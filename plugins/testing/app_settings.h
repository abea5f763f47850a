/* What the test application plugins share: reading one of their own keys. Plain C, as the
 * plugins; header-only, as each plugin is one shared object of its own. */
#ifndef STREAMSUBMIT_TESTING_APP_SETTINGS_H
#define STREAMSUBMIT_TESTING_APP_SETTINGS_H

#include <streamsubmit/plugin.h>

#include <string.h>

/* The value of the application's key `key` (prefix stripped, as the host passes it), or NULL. */
static inline const char *setting(const ss_app_params *p, const char *key) {
    for (size_t i = 0; i < p->conf_count; ++i) {
        const ss_kv *kv = ss_const_at(ss_kv, p->conf, p->conf_stride, i);
        if (strcmp(kv->key, key) == 0) return kv->value;
    }
    return NULL;
}

#endif
