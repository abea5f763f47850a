// Diagnostics on stderr, one line each: "streamsubmit: warning: ...".
#pragma once

#include "runtime/core/diagnostics.h"

namespace streamsubmit::cli {

runtime::Diagnostics stderr_diagnostics(bool verbose);

} // namespace streamsubmit::cli
