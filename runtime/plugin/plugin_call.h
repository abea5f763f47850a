// What every call across the plugin boundary needs, whichever table it goes to: the ss_error
// it hands over, the ss_host_api each plugin object gets, and the status it answers as an Error.
#pragma once

#include "common/error.h"
#include "runtime/core/diagnostics.h"

#include <streamsubmit/plugin.h>

namespace streamsubmit::runtime {

// The ss_log_fn the host hands to plugins; ctx is a const Diagnostics *. Any thread; never throws.
void log_from_plugin(void *ctx, ss_log_level level, const char *message) noexcept;

// An ss_error ready to be handed to a plugin call (struct_size set, message empty).
ss_error empty_error();

// The ss_host_api every plugin object gets: this host's version and its log function;
// `diagnostics` must outlive the plugin object.
ss_host_api host_api(const Diagnostics *diagnostics);

// A plugin's status as an Error: a hint for the user (the plugin's own, when it gave one),
// retriable or not, and its Cause.
Error source_error(ss_status status, const ss_error &err);

// Whether the plugin wrote a hint of its own into err.
bool plugin_hint(const ss_error &err);

} // namespace streamsubmit::runtime
