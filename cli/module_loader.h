// Loads a module that cli/ keeps out of the executable's link, so that a job pays for its
// libraries only when it uses them: the resolver (libcurl, OpenSSL, GPGME) and the schema
// registry formats (libcurl, avro-c, libprotobuf). Each exports one entry symbol returning
// its API table, whose first field is the table's size (`uint32_t size`) (a module of another build is refused).
#pragma once

#include "common/error.h"

#include <cstddef>
#include <string>

namespace streamsubmit::cli {

struct ModuleFile {
    const char *what;       // "resolver": in messages ("the resolver module ...")
    const char *file;       // "streamsubmit-resolver.so", beside the executable or in ../lib/streamsubmit
    const char *env;        // a variable naming the file instead
    const char *symbol;     // the entry symbol
    const char *libraries;  // what to install when dlopen fails: "libcurl, OpenSSL and GPGME"
};

// The entry's table of the first candidate file that exists (kept loaded for the life of the
// process), checked to be `table_size` long; or an error naming the file and the fix.
Result<const void *> load_module(const ModuleFile &module, size_t table_size);

// load_module for an API table type whose first field is `uint32_t size`.
template <class Api> Result<const Api *> load_module_api(const ModuleFile &module) {
    auto table = load_module(module, sizeof(Api));
    if (!table) return table.error();
    return static_cast<const Api *>(*table);
}

} // namespace streamsubmit::cli
