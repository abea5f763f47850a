// What the entry points of every bundled sink share: errors into ss_error, and no exception
// across the ABI (each entry point runs its body through guarded()).
#pragma once

#include <streamsubmit/plugin.h>

#include <exception>
#include <string>

namespace streamsubmit::sinks {

// The ABI wants no trailing newline; librdkafka's texts sometimes end with one.
inline ss_status set_app_error(ss_error *err, ss_status status, std::string message) {
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) message.pop_back();
    return ss_error_set(err, status, message.c_str());
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
