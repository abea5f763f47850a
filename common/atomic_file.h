// Crash-safe file replacement: a reader sees the old content or the new, never a mix.
#pragma once

#include "common/error.h"

#include <filesystem>
#include <string_view>

namespace streamsubmit {

// Writes `content` to a temporary file beside `path`, fsyncs it, renames it over
// `path` and fsyncs the directory, so the rename itself survives a power cut. `mode` is the
// new file's permission bits (0600: private; 0644 for files others read, e.g. a repository's).
// fsyncs a directory, so that a rename or unlink inside it survives a power cut.
Status fsync_directory(const std::filesystem::path &dir);

Status write_file_atomically(const std::filesystem::path &path, std::string_view content, unsigned mode = 0600);

// Creates `dir` and its missing parents with mode 0700.
Status create_private_directory(const std::filesystem::path &dir);

} // namespace streamsubmit
