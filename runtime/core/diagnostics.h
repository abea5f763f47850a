// Where the runtime's messages go; the CLI decides (stderr, with a prefix).
#pragma once

#include <functional>
#include <string_view>

namespace streamsubmit::runtime {

enum class LogLevel { Debug, Info, Warn, Error };

using Diagnostics = std::function<void(LogLevel, std::string_view)>;

} // namespace streamsubmit::runtime
