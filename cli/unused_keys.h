// Keys that nothing in a job reads: a sink's sink.NAME.* keys when another sink (or none) runs,
// app.* keys when no application does, a record format without a sink to decode it, and
// schema.registry.* keys without a format that uses them. They are warned about, not refused: a shared properties
// file may set them for other jobs. (An application that declares its keys refuses the app.*
// keys it does not declare; one that declares none gets every app.* key and checks them itself.)
#pragma once

#include "cli/config.h"

#include <string>
#include <vector>

namespace streamsubmit::cli {

// What reads the keys of this job's plugins.
struct KeyReaders {
    std::string sink;        // --sink NAME; empty when none
    std::string application; // the primary resource's name; empty when none
};

// One message per unused key, naming the key and what would use it.
std::vector<std::string> unused_key_warnings(const Config &config, const KeyReaders &readers);

} // namespace streamsubmit::cli
