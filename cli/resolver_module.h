// Loads the resolver module (streamsubmit-resolver.so) on first use, so that libcurl and
// OpenSSL are loaded only by the commands that resolve or publish (see resolver/module.h).
#pragma once

#include "common/error.h"
#include "resolver/module.h"

namespace streamsubmit::cli {

// The module's entry points. A binary that links the resolver in (the unit tests) uses
// its own copy; otherwise the module is searched in $STREAMSUBMIT_RESOLVER_MODULE (a
// file), beside the executable, and in the installed library directory.
Result<const resolver::ModuleApi *> resolver_module();

} // namespace streamsubmit::cli
