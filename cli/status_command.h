// `streamsubmit status --checkpoint DIR [--group G]`: where a job stands (position, latest,
// lag per partition; its last batch), read from its checkpoint without taking its lock and
// from Kafka; exit 4 when Kafka cannot be reached.
#pragma once

#include "cli/command.h"

namespace streamsubmit::cli {

void add_status_command(CLI::App &app, CommandSelection &selection);

} // namespace streamsubmit::cli
