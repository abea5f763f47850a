#include "cli/job_options.h"

#include "cli/suggest.h"
#include "cli/usage.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>

namespace streamsubmit::cli {
namespace {

// "https://user:password@host/r" → "https://user:*****@host/r", for every URL in a value
// (resolver.userRepositories and resolver.repositories are lists of them).
std::string redact_url_passwords(std::string text) {
    size_t pos = 0;
    while ((pos = text.find("://", pos)) != std::string::npos) {
        const size_t start = pos + 3;
        const size_t stop = std::min(text.find_first_of("/,; \t", start), text.size());
        const std::string_view authority(text.data() + start, stop - start);
        const size_t at = authority.rfind('@');
        const size_t colon = authority.find(':');
        if (at != std::string_view::npos && colon != std::string_view::npos && colon < at)
            text.replace(start + colon + 1, at - colon - 1, "*****");
        pos = start;
    }
    return text;
}

struct UnsupportedOption {
    const char *flag;
    const char *why;
};

// spark-submit options users will try; each is refused with a reason, never ignored.
constexpr UnsupportedOption kUnsupported[] = {
    {"--deploy-mode", "streamsubmit runs the job in this process; there is no cluster deploy mode"},
    {"--kill", "there is no cluster manager; stop the job with SIGINT or SIGTERM"},
    {"--status", "there is no cluster manager; the job reports each batch on stdout"},
    {"--executor-memory", "there are no executors; bound memory with kafka.queued.max.messages.kbytes"},
    {"--driver-memory", "there is no JVM driver; bound memory with kafka.queued.max.messages.kbytes"},
    {"--num-executors", "there are no executors; use --master local[N] for N reader threads"},
    {"--executor-cores", "there are no executors; use --master local[N] for N reader threads"},
    {"--total-executor-cores", "there are no executors; use --master local[N] for N reader threads"},
    {"--class", "applications are native shared objects, not JVM classes; give the application as the primary "
                "resource: streamsubmit [options] app.so|group:artifact:version [app arguments]"},
    {"--jars", "plugins are native shared objects; use --plugins FILE.so"},
    {"--files", "files are not shipped anywhere; the job runs in this process and reads local files directly"},
    {"--archives", "archives are not shipped anywhere; the job runs in this process"},
    {"--queue", "there is no YARN queue; the job runs in this process"},
    {"--proxy-user", "impersonation is not supported; run streamsubmit as that user"},
    {"--principal", "use kafka.sasl.kerberos.principal with --conf"},
    {"--keytab", "use kafka.sasl.kerberos.keytab with --conf"},
};

// What --help shows after an option: the choices, or the kind of value.
std::string type_hint(const ConfigKey &key) {
    if (!key.choices.empty()) return std::string(key.choices);
    switch (key.type) {
    case KeyType::Int: return "N";
    case KeyType::Double: return "X";
    case KeyType::Duration: return "DURATION";
    case KeyType::List: return "LIST";
    case KeyType::Json: return "JSON";
    default: break;
    }
    if (key.flag == "--master") return "local[N]";
    if (key.flag == "--checkpoint") return "DIR";
    if (key.flag == "--metrics-address") return "HOST:PORT";
    if (key.flag == "--bootstrap-servers") return "HOST:PORT,...";
    return "TEXT";
}

std::filesystem::path default_properties_file() {
    const char *dir = std::getenv("STREAMSUBMIT_CONF_DIR");
    if (!dir || !*dir) return {};
    return std::filesystem::path(dir) / "streamsubmit-defaults.conf";
}

// A word that cannot be an application (not a file, no path, no .so, no coordinates) is a
// mistake that would otherwise surface later as "no topics to read" or "does not exist".
Status check_primary_resource(const std::string &word, const JobArgs &args, const CLI::App &app) {
    std::error_code ec;
    if (std::filesystem::exists(word, ec)) return ok_status();
    if (word.find('=') != std::string::npos) {
        const std::string before = args.conf.empty() ? "a=1" : args.conf.back();
        return Error(ErrorKind::Usage, "the application looks like a configuration key", word,
                     fmt::format("one key per --conf: repeat it for each key (-c {} -c {})", before, word));
    }
    const auto subcommands = subcommand_names(app);
    if (subcommands.empty() || word.find_first_of("/.:") != std::string::npos) return ok_status();
    std::string listed;
    for (const auto &name : subcommands) listed += (listed.empty() ? "" : ", ") + name;
    return Error(ErrorKind::Usage, fmt::format("unknown subcommand '{}'", word), "",
                 did_you_mean(nearest_name(word, subcommands),
                              fmt::format("subcommands: {}; an application is a .so or .py file or group:artifact:version",
                                          listed)));
}

} // namespace

void add_job_options(CLI::App &app, JobArgs &args) {
    for (const auto &key : config_keys()) {
        if (key.flag.empty()) continue;
        const std::string name(key.name);
        const std::string help = fmt::format("{} (key {})", key.description, key.name);
        CLI::Option *opt = nullptr;
        if (key.type == KeyType::Bool) {
            // A boolean key's option is a plain flag: --offline, not --offline true.
            opt = app.add_flag_callback(std::string(key.flag), [&args, name] { args.by_key[name] = "true"; }, help);
        } else {
            opt = app.add_option(std::string(key.flag), args.by_key[name], help);
            opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast); // the last one wins, as in spark-submit
            if (!key.default_value.empty()) opt->default_str(std::string(key.default_value));
            opt->type_name(type_hint(key));
        }
        args.flag_options.emplace_back(name, opt);
    }
    // One value per --conf: the arguments after it may be the application and its arguments.
    app.add_option("-c,--conf", args.conf, "Set a configuration key: KEY=VALUE (repeatable)")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    app.add_option("--properties-file", args.properties_file,
                   "Configuration file of 'key value' lines (default $STREAMSUBMIT_CONF_DIR/streamsubmit-defaults.conf)");
    app.add_flag("-v,--verbose", args.verbose, "Print the effective configuration and the plugins loaded");
    for (const auto &u : kUnsupported)
        args.unsupported.emplace_back(
            u.flag, app.add_option(u.flag, args.unsupported_values, u.why)->group("")->allow_extra_args(false)->expected(0, 1));
}

Status take_primary_resource(JobArgs &args, std::vector<std::string> remaining, const CLI::App &app) {
    if (remaining.empty()) return ok_status();
    const std::string &first = remaining.front();
    if (first.starts_with("-"))
        return Error(ErrorKind::Usage, fmt::format("unknown option {}", first), "",
                     did_you_mean(nearest_name(first.substr(0, first.find('=')), option_names(app)),
                                  "run 'streamsubmit --help' for the options; they go before the application "
                                  "(streamsubmit [options] app.so [app arguments])"));
    if (auto st = check_primary_resource(first, args, app); !st) return st;
    args.application = std::move(remaining.front());
    args.application_args.assign(std::make_move_iterator(remaining.begin() + 1),
                                 std::make_move_iterator(remaining.end()));
    return ok_status();
}

Result<Config> build_config(const JobArgs &args) {
    for (const auto &[flag, opt] : args.unsupported)
        if (opt->count() > 0)
            return Error(ErrorKind::Usage, fmt::format("{} does not apply to streamsubmit", flag), "",
                         opt->get_description());
    Config config;
    std::filesystem::path props = args.properties_file;
    if (props.empty()) {
        props = default_properties_file();
        std::error_code ec;
        if (!props.empty() && !std::filesystem::exists(props, ec)) props.clear();
    }
    if (!props.empty())
        if (auto st = load_properties_file(config, props); !st) return st.error();
    for (const auto &assignment : args.conf)
        if (auto st = apply_conf_flag(config, assignment); !st) return st.error();
    for (const auto &[key, opt] : args.flag_options) {
        if (opt->count() == 0) continue;
        if (auto st = config.set(key, args.by_key.at(key), ConfigSource::CommandLine); !st) {
            Error e = st.error();
            e.input = fmt::format("{} {}", opt->get_name(), e.input);
            return e;
        }
    }
    return config;
}

std::string describe_config(const Config &config) {
    std::string out;
    for (const auto &[key, value] : config.effective()) {
        const std::string shown =
            is_secret_key(key) && !value.value.empty() ? "*****" : redact_url_passwords(value.value);
        std::string source(config_source_name(value.source));
        if (!value.origin.empty()) source += " " + value.origin;
        out += fmt::format("{} = {}  ({})\n", key, shown.empty() ? "(unset)" : shown, source);
    }
    return out;
}

} // namespace streamsubmit::cli
