#include "cli/resolver_module.h"

#include "cli/module_loader.h"

#include <mutex>

// Defined only when the resolver is linked into this binary (tests).
extern "C" const streamsubmit::resolver::ModuleApi *streamsubmit_resolver_module() __attribute__((weak));

namespace streamsubmit::cli {
namespace {

constexpr ModuleFile kResolver{"resolver", "streamsubmit-resolver.so", "STREAMSUBMIT_RESOLVER_MODULE",
                               STREAMSUBMIT_RESOLVER_MODULE_SYMBOL, "libcurl, OpenSSL and GPGME"};

Result<const resolver::ModuleApi *> load() {
    if (streamsubmit_resolver_module) return streamsubmit_resolver_module();
    return load_module_api<resolver::ModuleApi>(kResolver);
}

} // namespace

Result<const resolver::ModuleApi *> resolver_module() {
    static std::once_flag once;
    static Result<const resolver::ModuleApi *> loaded = Error(ErrorKind::Runtime, "not loaded", "", "");
    std::call_once(once, [] { loaded = load(); });
    return loaded;
}

} // namespace streamsubmit::cli
