// read_ranges: the direct-mode hot path.
#pragma once

#include "kafka_source.h"

namespace streamsubmit::kafka {

// `ranges` has the host's stride, checked by the caller.
ss_status read_ranges(KafkaSource &src, const ss_offset_range *ranges, size_t count, size_t stride,
                      ss_records_fn fn, void *ctx, ss_error *err);

} // namespace streamsubmit::kafka
