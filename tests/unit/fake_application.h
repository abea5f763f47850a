// An in-process application behind the real C table (ss_application_api), the counterpart of
// fake_source.h: the host's Application drives it as it drives a sink plugin. It keeps each
// batch's records until the batch's commit (then they are delivered) or abort (then dropped),
// so a test checks what a sink would have written, not what the loop meant to do.
#pragma once

#include "runtime/core/offset_range.h"
#include "runtime/plugin/plugin_loader.h"

#include <streamsubmit/plugin.h>

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace streamsubmit::test {

struct FakeApplicationState {
    // What commit answers, in order (SS_OK: accept; SS_ERR_REBALANCED: the group refused it).
    std::deque<ss_status> commit_results;
    // Called with the batch id as commit starts (under `mutex`), before it answers.
    std::function<void(int64_t batch)> on_commit;

    // Records processed, by batch id, until the batch is committed or aborted.
    std::map<int64_t, std::vector<std::pair<runtime::TopicPartition, int64_t>>> open;
    std::map<runtime::TopicPartition, std::vector<int64_t>> delivered; // offsets of committed batches, in commit order
    std::map<int64_t, std::string> group_metadata; // what each committed batch carried
    std::vector<std::string> calls; // "commit 1", "abort 1", "finish t-0 [3,6)"
    // Set before the plugin is made: the table has a recover, which calls it for every position
    // (In: where the host would start; the test may move it, back or forward).
    std::function<void(const runtime::TopicPartition &, int64_t &offset)> recover;

    std::mutex mutex; // process and finish_range run on the reader threads
};

runtime::PluginPtr fake_application_plugin(FakeApplicationState &state);

} // namespace streamsubmit::test
