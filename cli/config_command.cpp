#include "cli/config_command.h"

#include "cli/job_options.h"

#include <fmt/format.h>

#include <cstdio>
#include <memory>

namespace streamsubmit::cli {
namespace {

std::string troff_escape(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\\') out += "\\e";
        else if (c == '-') out += "\\-";
        else out += c;
    }
    if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
    return out;
}

} // namespace

std::string config_table_troff() {
    std::string out;
    for (const auto &key : config_keys()) {
        out += fmt::format(".TP\n.B {}\n", troff_escape(key.name));
        std::string meta(key_type_name(key.type));
        if (!key.choices.empty()) meta = std::string(key.choices);
        if (!key.default_value.empty()) meta += fmt::format(", default {}", key.default_value);
        if (!key.flag.empty()) meta += fmt::format(", option {}", key.flag);
        out += fmt::format("{}.\n({}; since {})\n", troff_escape(key.description), troff_escape(meta), key.since);
    }
    return out;
}

void add_config_command(CLI::App &app, CommandSelection &selection) {
    auto args = std::make_shared<JobArgs>();
    auto format = std::make_shared<std::string>("text");
    auto *cmd = app.add_subcommand("config", "List every configuration key with its value and source");
    add_job_options(*cmd, *args);
    cmd->add_option("--format", *format, "text, or troff (the man page's CONFIGURATION section)")
        ->check(CLI::IsMember({"text", "troff"}));
    cmd->final_callback([args, format, &selection] {
        selection.action = [args, format]() -> Status {
            if (*format == "troff") {
                std::fputs(config_table_troff().c_str(), stdout);
                return ok_status();
            }
            auto config = build_config(*args);
            if (!config) return config.error();
            std::fputs(describe_config(*config).c_str(), stdout);
            return ok_status();
        };
    });
}

} // namespace streamsubmit::cli
