// What a files sink directory already holds, per partition: the files sink's own progress,
// which it gives the host through recover (Kafka Connect's SinkTaskContext.offset()), so that
// a batch whose files were renamed into place before the checkpoint (or the consumer group)
// heard of it is not read and written again under other names.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace streamsubmit::sinks {

using PartitionKey = std::pair<std::string, int32_t>; // topic, partition

// The final file with the highest start offset of every partition among `dir`'s files named
// topic+partition+startOffset`extension` or, rolled raw files, topic+partition+startOffset+lastOffset
// (Kafka Connect's names; temporary files and other names are ignored).
std::map<PartitionKey, std::filesystem::path> newest_files(const std::filesystem::path &dir,
                                                           const std::string &extension);

// The offset after the last record of a file named topic+partition+startOffset+lastOffset.raw;
// nothing for any other name.
std::optional<int64_t> next_offset_of_raw_file(const std::filesystem::path &file);

// topic+partition+startOffset, with +lastOffset when `last` is given, and the extension.
std::string file_name(const std::string &topic, int32_t partition, int64_t start, std::optional<int64_t> last,
                      const std::string &extension);

// The offset after the last record of a complete JSON Lines file of the files sink (its last
// line's "offset" + 1); nothing when the file holds no parsable line.
std::optional<int64_t> next_offset_of_json_file(const std::filesystem::path &file);

} // namespace streamsubmit::sinks
