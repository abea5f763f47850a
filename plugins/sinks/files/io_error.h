// The files sink's one wording for a failed system call on a path.
#pragma once

#include "sink_support.h"

#include <cstring>
#include <filesystem>
#include <string>

namespace streamsubmit::sinks {

inline SinkError io_error(const std::string &what, const std::filesystem::path &path, int err) {
    return {SS_ERR_INTERNAL, "files sink: " + what + " " + path.string() + ": " + std::strerror(err)};
}

} // namespace streamsubmit::sinks
