// `streamsubmit publish`: puts one file into a Maven repository like
// `mvn deploy:deploy-file` (layout, checksums, maven-metadata.xml).
#pragma once

#include "cli/command.h"

namespace streamsubmit::cli {

void add_publish_command(CLI::App &app, CommandSelection &selection);

} // namespace streamsubmit::cli
