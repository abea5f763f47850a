#include "runtime/direct/starting_offsets.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdint>

namespace streamsubmit::runtime {
namespace {

Error json_error(std::string what) {
    return Error(ErrorKind::Usage, std::move(what), "stream.startingOffsets",
                 R"(write JSON such as {"orders":{"0":23,"1":-2}} (-2 earliest, -1 latest))");
}

} // namespace

Result<OffsetMap> parse_starting_offsets_json(std::string_view json) {
    const auto doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return json_error("stream.startingOffsets is not valid JSON");
    if (!doc.is_object()) return json_error("stream.startingOffsets must be a JSON object of topics");
    OffsetMap out;
    for (const auto &[topic, partitions] : doc.items()) {
        if (!partitions.is_object())
            return json_error(fmt::format("topic '{}' must map partition numbers to offsets", topic));
        for (const auto &[key, offset] : partitions.items()) {
            int32_t partition = -1;
            const auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), partition);
            if (ec != std::errc{} || ptr != key.data() + key.size() || partition < 0)
                return json_error(fmt::format("'{}' of topic '{}' is not a partition number", key, topic));
            // 2^64-1 is an unsigned number, which get<int64_t> would wrap to -1 (latest).
            if (!offset.is_number_integer() || (offset.is_number_unsigned() && offset.get<uint64_t>() > INT64_MAX) ||
                offset.get<int64_t>() < kOffsetEarliest)
                return json_error(fmt::format("offset of {}-{} must be an integer >= -2", topic, key));
            out[TopicPartition{topic, partition}] = offset.get<int64_t>();
        }
    }
    return out;
}

Result<bool> parse_auto_offset_reset(std::string_view value) {
    if (value == "earliest" || value == "smallest") return true;
    if (value == "latest" || value == "largest") return false;
    return Error(ErrorKind::Usage, "invalid kafka.auto.offset.reset", std::string(value),
                 "use earliest or latest (smallest and largest are accepted too)");
}

Status check_starting_offsets_in_log(const std::vector<TopicPartition> &partitions, const WatermarkMap &watermarks,
                                     const StartingOffsets &start) {
    if (!start.explicit_offsets) return ok_status();
    for (const auto &tp : partitions) {
        const auto asked = start.explicit_offsets->find(tp);
        const auto wm = watermarks.find(tp);
        if (asked == start.explicit_offsets->end() || wm == watermarks.end()) continue;
        if (asked->second <= wm->second.latest) continue; // -1 and -2 are below every latest offset
        return Error(ErrorKind::Kafka,
                     fmt::format("stream.startingOffsets is beyond the end of topic '{}' partition {}: offset {} "
                                 "requested, the latest offset is {}",
                                 tp.topic, tp.partition, asked->second, wm->second.latest),
                     to_string(tp),
                     fmt::format("start at an offset up to {} (or -1 for the latest, -2 for the earliest)",
                                 wm->second.latest));
    }
    return ok_status();
}

OffsetMap initial_offsets(const std::vector<TopicPartition> &partitions, const WatermarkMap &watermarks,
                          const StartingOffsets &start, const OffsetMap &timestamp_offsets) {
    OffsetMap out;
    for (const auto &tp : partitions) {
        const auto wm_it = watermarks.find(tp);
        const Watermarks wm = wm_it == watermarks.end() ? Watermarks{} : wm_it->second;
        int64_t offset = start.from_earliest ? kOffsetEarliest : kOffsetLatest;
        if (start.explicit_offsets) {
            if (auto it = start.explicit_offsets->find(tp); it != start.explicit_offsets->end()) offset = it->second;
        } else if (start.timestamp_ms) {
            const auto it = timestamp_offsets.find(tp);
            offset = (it == timestamp_offsets.end() || it->second < 0) ? kOffsetLatest : it->second;
        }
        if (offset == kOffsetEarliest) offset = wm.earliest;
        if (offset == kOffsetLatest) offset = wm.latest;
        out[tp] = offset;
    }
    return out;
}

} // namespace streamsubmit::runtime
