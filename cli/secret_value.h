// Values of kafka.* keys may name where the value is instead of holding it, so secrets stay
// out of `ps` and shell history:
//   env:NAME    the value of environment variable NAME (which must be set)
//   file:PATH   the content of the file PATH, without one trailing newline
//   literal:X   X itself: the escape for a value that really starts with env:, file: or literal:
// Any other value is taken verbatim.
#pragma once

#include "common/error.h"

#include <string>

namespace streamsubmit::cli {

// Resolves `value` of configuration key `key` as above; errors name the key and the source.
Result<std::string> resolve_value_reference(const std::string &key, const std::string &value);

} // namespace streamsubmit::cli
