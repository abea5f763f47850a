// Whole-file reads for small files (checksums, metadata, POMs, keys).
#pragma once

#include <filesystem>
#include <string>

namespace streamsubmit {

// The file's bytes; empty when it cannot be read (callers that must tell "missing" from
// "empty" check for the file first, as they already do).
std::string read_file(const std::filesystem::path &path);

// A regular file (following links), by one stat: no exception, false on any error.
bool regular_file_exists(const std::filesystem::path &path);

} // namespace streamsubmit
