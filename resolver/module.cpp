// The entry point of streamsubmit-resolver.so (see module.h).
#include "resolver/module.h"

namespace {

using namespace streamsubmit::resolver;

const ModuleApi kApi{
    sizeof(ModuleApi),
    &resolve,
    &publish,
    &parse_checksum_policy,
    &parse_signature_policy,
    [](const Resolution &r) { return r.native_plugins(); },
    [](const Resolution &r, bool with_paths) { return r.tree_text(with_paths); },
    [](const Resolution &r, bool with_paths) { return r.list_text(with_paths); },
    [](const Coordinate &c) { return c.to_string(); },
};

} // namespace

extern "C" __attribute__((visibility("default"))) const ModuleApi *streamsubmit_resolver_module() { return &kApi; }
