// `streamsubmit mock-cluster`: an embedded Kafka cluster on 127.0.0.1 until SIGINT/SIGTERM.
#pragma once

#include "cli/command.h"

namespace streamsubmit::cli {

void add_mock_cluster_command(CLI::App &app, CommandSelection &selection);

} // namespace streamsubmit::cli
