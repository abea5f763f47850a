// A sink's failure as a value: the status and message (and hint) its ss_error will carry.
#pragma once

#include <streamsubmit/plugin.h>

#include <string>

namespace streamsubmit::sinks {

struct SinkError {
    ss_status status = SS_OK;
    std::string message;
    std::string hint = {}; // what the user can do; empty: the host's generic one
    explicit operator bool() const { return status != SS_OK; }
};

} // namespace streamsubmit::sinks
