// stream.errors.*: what the job does with a record its application, decoder or sink rejects
// (the policy the ss_host_api.reject call answers by) and, with
// stream.errors.deadletterqueue.topic, the dead-letter queue the batch loop writes them to.
#pragma once

#include "cli/config.h"
#include "common/error.h"
#include "runtime/batch/dead_letter_queue.h"
#include "runtime/plugin/application.h"

#include <memory>

namespace streamsubmit::cli {

// The keys' values as the runtime's policy; a usage error when they contradict each other.
Result<runtime::RejectPolicy> reject_policy(const Config &config);

// The job's dead-letter queue (nullptr without stream.errors.deadletterqueue.topic): into the
// job's own output when it can take dead letters (write_dead_letters, the Kafka sink: in the
// batch's transaction), else a producer of the bundled Kafka sink of its own. A topic that
// does not exist is exit 4 here, before the first batch.
Result<std::unique_ptr<runtime::DeadLetterQueue>> start_dead_letters(const Config &config,
                                                                     runtime::Application *application,
                                                                     const runtime::ApplicationSetup &setup,
                                                                     const runtime::Diagnostics &diagnostics);

} // namespace streamsubmit::cli
