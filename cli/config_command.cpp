#include "cli/config_command.h"

#include "cli/job_options.h"
#include "cli/plugin_keys.h"

#include <fmt/format.h>

#include <cstdio>
#include <map>
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

std::string key_troff(const ConfigKey &key, std::string_view origin) {
    std::string meta(key_type_name(key.type));
    if (!key.choices.empty()) meta = std::string(key.choices);
    if (!key.default_value.empty()) meta += fmt::format(", default {}", key.default_value);
    if (!key.receiver_default.empty()) meta += fmt::format(", in receiver mode {}", key.receiver_default);
    if (!key.flag.empty()) meta += fmt::format(", option {}", key.flag);
    return fmt::format(".TP\n.B {}\n{}.\n({}; {})\n", troff_escape(key.name), troff_escape(key.description),
                       troff_escape(meta), origin);
}

} // namespace

// The host's table, then the keys each bundled sink declares.
std::string config_table_troff() {
    std::string out;
    for (const auto &key : config_keys()) out += key_troff(key, fmt::format("since {}", key.since));
    for (const auto &key : bundled_sink_keys())
        out += key_troff(key.view(), fmt::format("declared by the {}", troff_escape(key.owner)));
    return out;
}

namespace {

// `streamsubmit config` lists the bundled sinks' keys with the host's.
Status declare_bundled_sink_keys(Config &config) {
    std::map<std::string, std::vector<DeclaredKey>> by_sink;
    for (auto &key : bundled_sink_keys())
        by_sink[key.name.substr(0, key.name.find('.', 5) + 1)].push_back(std::move(key));
    for (auto &[prefix, keys] : by_sink)
        if (auto st = config.declare(prefix, std::move(keys), false); !st) return st;
    return ok_status();
}

} // namespace

void add_config_command(CLI::App &app, CommandSelection &selection) {
    auto args = std::make_shared<JobArgs>();
    auto format = std::make_shared<std::string>("text");
    auto *cmd = app.add_subcommand("config", "List every configuration key with its value and source");
    add_job_options(*cmd, *args);
    cmd->add_option("--format", *format, "text, or troff (the man page's CONFIGURATION section)")
        ->check(CLI::IsMember({"text", "troff"}));
    cmd->footer("Exit status: 0 success, 2 usage or configuration. See man streamsubmit.");
    cmd->final_callback([args, format, &selection] {
        selection.action = [args, format]() -> Status {
            if (*format == "troff") {
                std::fputs(config_table_troff().c_str(), stdout);
                return ok_status();
            }
            auto config = build_config(*args);
            if (!config) return config.error();
            if (auto st = declare_bundled_sink_keys(*config); !st) return st;
            std::fputs(describe_config(*config).c_str(), stdout);
            return ok_status();
        };
    });
}

} // namespace streamsubmit::cli
