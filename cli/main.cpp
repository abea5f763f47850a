// streamsubmit: parse the command line, run the chosen command, and turn its
// result into a message and an exit code (cli/error_report.cpp).
#include "cli/command.h"
#include "cli/complete_command.h"
#include "cli/config_command.h"
#include "cli/error_report.h"
#include "cli/mock_cluster_command.h"
#include "cli/plugin_keys.h"
#include "cli/publish_command.h"
#include "cli/resolve_command.h"
#include "cli/status_command.h"
#include "cli/submit_command.h"
#include "cli/usage.h"
#include "common/guarded.h"

#include <cstdio>
#include <memory>
#include <string>

#ifndef STREAMSUBMIT_VERSION
#define STREAMSUBMIT_VERSION "0.0.0"
#endif

namespace {

int run(int argc, char **argv) {
    using namespace streamsubmit;
    using namespace streamsubmit::cli;

    if (argc <= 1) { // nothing to run: say how, as a usage error
        std::fputs(short_usage().c_str(), stderr);
        return kExitUsage;
    }
    CLI::App app{"streamsubmit: run Kafka stream jobs (direct or receiver consumers), reporting per-batch offset "
                 "ranges on stdout"};
    app.name("streamsubmit");
    app.formatter(std::make_shared<UsageFormatter>());
    app.set_version_flag("--version", std::string("streamsubmit ") + STREAMSUBMIT_VERSION);
    app.require_subcommand(0, 1);

    CommandSelection selection;
    add_mock_cluster_command(app, selection);
    add_config_command(app, selection);
    add_resolve_command(app, selection);
    add_publish_command(app, selection);
    add_complete_command(app, selection);
    add_status_command(app, selection);
    // Last: a job stops parsing at its primary resource (the application's arguments are its
    // own), and subcommands added after it would inherit that.
    const CommandAction run_root_job = add_submit_command(app, selection);
    // After the subcommands, which would inherit it: each has a footer of its own.
    app.footer([] { return sink_keys_help(); }); // loads the sink plugins only when help is printed
    app.footer(job_help_footer());

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp &e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp &e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion &e) {
        return app.exit(e);
    } catch (const CLI::ParseError &e) {
        return report_error(parse_error(app, e));
    }
    const Status status = selection.action ? selection.action() : run_root_job();
    if (!status) return report_error(status.error());
    return kExitSuccess;
}

} // namespace

int main(int argc, char **argv) {
    using namespace streamsubmit;
    int code = cli::kExitSuccess;
    const Status status = run_guarded("streamsubmit", [&]() -> Status {
        code = run(argc, argv);
        return ok_status();
    });
    if (!status) return cli::report_error(status.error());
    return code;
}
