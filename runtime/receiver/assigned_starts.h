// --until latest, receiver mode, inside on_rebalance(ASSIGN): where newly assigned partitions
// start, as far as the host can tell before any record arrives.
//
// A partition that starts at or past the offset the job reads up to brings no record, so no
// poll says it is done: a caught-up group's partitions, or an empty one. They used to count as
// done only after idling for three seconds, which every such run then waited. Knowing where
// they start ends them at once (ReceiverHub::note_received).
//
// Where a partition starts: where the application's recover moved it, else the group's
// committed offset, else where kafka.auto.offset.reset puts a group without one (the log start
// for earliest, the log end for latest), as the Kafka plugin itself settles it.
#pragma once

#include "common/error.h"
#include "runtime/core/offset_range.h"
#include "runtime/plugin/source.h"

#include <chrono>
#include <vector>

namespace streamsubmit::runtime {

// `moved`: the starts the application's recover gave. Two requests at most (committed offsets,
// then watermarks of the partitions without one).
Result<OffsetMap> assigned_starts(Source &source, const std::vector<TopicPartition> &assigned, const OffsetMap &moved,
                                  bool from_earliest, std::chrono::milliseconds request_timeout);

} // namespace streamsubmit::runtime
