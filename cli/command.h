// How a subcommand plugs into main: it adds its CLI11 subcommand and options, and
// when that subcommand is chosen it stores the action to run after parsing.
#pragma once

#include "common/error.h"

#include <CLI/CLI.hpp>

#include <functional>

namespace streamsubmit::cli {

using CommandAction = std::function<Status()>;

// Set by the chosen subcommand's final callback; main runs it once parsing succeeded.
struct CommandSelection {
    CommandAction action;
};

} // namespace streamsubmit::cli
