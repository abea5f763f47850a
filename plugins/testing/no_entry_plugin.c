/* A shared object without the entry symbol: not a streamsubmit plugin at all. */
#include <streamsubmit/plugin.h>

SS_PLUGIN_EXPORT int some_other_library_function(void) { return 42; }
