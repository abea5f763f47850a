// An in-process source connector behind the real C table (ABI 2.0), without a broker or a
// shared object: tests wrap it in a runtime::Plugin and drive the host's Source, so the
// conversions and checks of the boundary run as they do against streamsubmit-kafka.so.
#pragma once

#include "runtime/plugin/plugin_loader.h"

#include <streamsubmit/plugin.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace streamsubmit::test {

// What the fake serves and what it saw. One per test; the plugin's calls reach it through
// the ss_source handle.
struct FakeSourceState {
    // Every partition has offsets [0, end); read_ranges delivers each offset of a range.
    int32_t partitions = 2;
    int64_t end = 10;
    // Records are handed over with this stride and struct_size (a newer plugin's are bigger).
    size_t record_stride = sizeof(ss_record);
    uint32_t record_struct_size = sizeof(ss_record);
    // The next calls fail with these statuses, in order (SS_OK: succeed).
    std::vector<ss_status> failures;
    std::vector<std::string> calls; // "read_ranges 2", "commit 1", ...
    int32_t close_timeout_ms = -1;  // from ss_source_params
    uint16_t host_abi_major = 0;
};

struct FakeSourceOptions {
    bool direct = true;
    bool consumer = false;
    bool member = false;
};

// A plugin whose descriptor lives in this process; `state` must outlive every Source made from it.
runtime::PluginPtr fake_source_plugin(FakeSourceState &state, FakeSourceOptions options = {});

} // namespace streamsubmit::test
