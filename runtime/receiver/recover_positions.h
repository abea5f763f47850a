// Receiver mode, inside on_rebalance(ASSIGN): newly assigned partitions start where the
// application's recover says, where it says something other than the group's committed
// offset (Kafka Connect's SinkTaskContext.offset()).
#pragma once

#include "common/error.h"
#include "runtime/core/diagnostics.h"
#include "runtime/core/offset_range.h"
#include "runtime/plugin/application.h"
#include "runtime/plugin/source.h"

#include <chrono>
#include <string_view>
#include <vector>

namespace streamsubmit::runtime {

// `who` names the receiver in the log line ("receiver 0 (orders)"). Returns the starts it moved.
Result<OffsetMap> start_where_the_application_says(Source &source, Application *application,
                                        const std::vector<TopicPartition> &assigned,
                                        std::chrono::milliseconds request_timeout, const Diagnostics &diagnostics,
                                        std::string_view who);

} // namespace streamsubmit::runtime
