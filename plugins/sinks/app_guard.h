// What the entry points of every bundled sink share: errors into ss_error, and no exception
// across the ABI (each entry point runs its body through guarded()).
#pragma once

#include <streamsubmit/plugin.h>

#include <cstdio>
#include <exception>
#include <string>

namespace streamsubmit::sinks {

inline ss_status set_app_error(ss_error *err, ss_status status, const std::string &message) {
    if (err) {
        err->status = status;
        std::snprintf(err->message, sizeof err->message, "%s", message.c_str());
    }
    return status;
}

// `who` prefixes the message of an escaped exception, e.g. "files sink".
template <class F>
ss_status guarded(const char *who, ss_error *err, F &&f) noexcept {
    try {
        return f();
    } catch (const std::exception &x) {
        return set_app_error(err, SS_ERR_INTERNAL, std::string(who) + ": " + x.what());
    } catch (...) {
        return set_app_error(err, SS_ERR_INTERNAL, std::string(who) + ": unknown exception");
    }
}

} // namespace streamsubmit::sinks
