// read_ranges: the direct-mode hot path.
#pragma once

#include "kafka_source.h"

namespace streamsubmit::kafka {

ss_status read_ranges(KafkaSource &src, const ss_offset_range *ranges, size_t count, ss_records_fn fn, void *ctx,
                      ss_error *err);

} // namespace streamsubmit::kafka
