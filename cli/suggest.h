// "Did you mean ...?": the one place that picks the known name nearest to a mistyped one, for
// configuration keys, options and subcommands alike.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace streamsubmit::cli {

// Case-insensitive Levenshtein distance.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `unknown`, or empty when none is close (within a third of its
// length, at least 3 edits).
std::string nearest_name(std::string_view unknown, std::span<const std::string> candidates);

// "did you mean X? " + otherwise, or just `otherwise` when nothing is near.
std::string did_you_mean(const std::string &nearest, const std::string &otherwise);

} // namespace streamsubmit::cli
