#include "sink_support.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace streamsubmit::sinks {

bool parse_format_key(std::string_view sink, std::string_view key, std::string_view value, RecordFormat &format,
                      SinkError &error) {
    const std::string name = "sink." + std::string(sink) + "." + std::string(key);
    if (key == "format") {
        if (value != "json" && value != "raw")
            error = {SS_ERR_CONFIG, name + "=" + std::string(value) + " is not one of json, raw"};
        format.json = value == "json";
        return true;
    }
    if (key == "delimiter") {
        std::string problem;
        format.delimiter = unescape(value, problem);
        if (!problem.empty()) error = {SS_ERR_CONFIG, name + "=" + std::string(value) + ": " + problem};
        return true;
    }
    return false;
}

size_t range_index(const ss_batch &batch, const ss_offset_range &range) {
    const auto offset = reinterpret_cast<const char *>(&range) - reinterpret_cast<const char *>(batch.ranges);
    if (offset < 0 || batch.range_stride == 0 || static_cast<size_t>(offset) % batch.range_stride != 0)
        return batch.range_count;
    return std::min(ss_batch_range_index(&batch, &range), batch.range_count);
}

SinkError write_all(int fd, std::string_view data, std::string_view sink, const std::string &file) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return {SS_ERR_INTERNAL, std::string(sink) + " sink: cannot write " + file + ": " + std::strerror(errno)};
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return {};
}

} // namespace streamsubmit::sinks
