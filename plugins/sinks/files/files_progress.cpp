#include "files_progress.h"

#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace streamsubmit::sinks {
namespace fs = std::filesystem;
namespace {

template <class T>
bool parse_number(std::string_view text, T &out) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

// "orders+3+00000000000000000042" -> (orders, 3), 42. Kafka topic names have no '+'.
bool parse_name(std::string_view stem, PartitionKey &key, int64_t &from) {
    const size_t last = stem.rfind('+');
    if (last == std::string_view::npos || last == 0) return false;
    const size_t middle = stem.rfind('+', last - 1);
    if (middle == std::string_view::npos || middle == 0) return false;
    key.first = std::string(stem.substr(0, middle));
    return parse_number(stem.substr(middle + 1, last - middle - 1), key.second) &&
           parse_number(stem.substr(last + 1), from);
}

// "orders+3+00000000000000000042+00000000000000050041" -> (orders, 3), 42, 50041.
bool parse_rolled_name(std::string_view stem, PartitionKey &key, int64_t &from, int64_t &last) {
    const size_t plus = stem.rfind('+');
    if (plus == std::string_view::npos) return false;
    return parse_number(stem.substr(plus + 1), last) && parse_name(stem.substr(0, plus), key, from);
}

// The file's last line (without its newline), read backwards in growing chunks: a record
// may be megabytes long.
std::optional<std::string> last_line(const fs::path &file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    struct stat st {};
    std::optional<std::string> line;
    if (::fstat(fd, &st) == 0 && st.st_size > 1) {
        const auto size = static_cast<size_t>(st.st_size);
        const size_t end = size - 1; // the final newline
        std::string tail;
        for (size_t chunk = size_t{64} << 10;; chunk *= 2) {
            const size_t start = end > chunk ? end - chunk : 0;
            tail.resize(end - start);
            if (::pread(fd, tail.data(), tail.size(), static_cast<off_t>(start)) != static_cast<ssize_t>(tail.size()))
                break;
            if (const size_t nl = tail.rfind('\n'); nl != std::string::npos) {
                line = tail.substr(nl + 1);
                break;
            }
            if (start == 0) {
                line = std::move(tail);
                break;
            }
        }
    }
    ::close(fd);
    return line;
}

} // namespace

std::map<PartitionKey, fs::path> newest_files(const fs::path &dir, const std::string &extension) {
    std::map<PartitionKey, std::pair<int64_t, fs::path>> newest;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(dir, ec)) {
        const fs::path &path = entry.path();
        const std::string name = path.filename().string();
        if (name.starts_with(".") || path.extension() != extension) continue;
        PartitionKey key;
        int64_t from = 0;
        int64_t last = 0;
        const std::string stem = path.stem().string();
        if (!parse_rolled_name(stem, key, from, last) && !parse_name(stem, key, from)) continue;
        auto [it, fresh] = newest.try_emplace(key, from, path);
        if (!fresh && from > it->second.first) it->second = {from, path};
    }
    std::map<PartitionKey, fs::path> out;
    for (auto &[key, found] : newest) out.emplace(key, std::move(found.second));
    return out;
}

std::optional<int64_t> next_offset_of_raw_file(const fs::path &file) {
    PartitionKey key;
    int64_t from = 0, last = 0;
    if (!parse_rolled_name(file.stem().string(), key, from, last)) return std::nullopt;
    return last + 1;
}

std::string file_name(const std::string &topic, int32_t partition, int64_t start, std::optional<int64_t> last,
                      const std::string &extension) {
    char offsets[48];
    if (last)
        std::snprintf(offsets, sizeof offsets, "%020" PRId64 "+%020" PRId64, start, *last);
    else
        std::snprintf(offsets, sizeof offsets, "%020" PRId64, start);
    return topic + "+" + std::to_string(partition) + "+" + offsets + extension;
}

std::optional<int64_t> next_offset_of_json_file(const fs::path &file) {
    const auto line = last_line(file);
    if (!line) return std::nullopt;
    // {"topic":"orders","partition":3,"offset":42,...: the topic comes first and has no quote.
    static constexpr std::string_view kField = ",\"offset\":";
    const size_t at = line->find(kField);
    if (at == std::string::npos) return std::nullopt;
    const char *begin = line->data() + at + kField.size();
    int64_t offset = 0;
    const auto [end, errc] = std::from_chars(begin, line->data() + line->size(), offset);
    if (errc != std::errc() || end == begin || (*end != ',' && *end != '}')) return std::nullopt;
    return offset + 1;
}

} // namespace streamsubmit::sinks
