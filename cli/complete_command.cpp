#include "cli/complete_command.h"

#include "cli/config_table.h"
#include "cli/plugin_keys.h"
#include "cli/usage.h"

#include <cstdio>
#include <memory>
#include <string_view>

namespace streamsubmit::cli {
namespace {

std::vector<std::string> split_choices(std::string_view choices) {
    std::vector<std::string> out;
    for (size_t pos = 0; pos < choices.size();) {
        const auto bar = std::min(choices.find('|', pos), choices.size());
        out.emplace_back(choices.substr(pos, bar - pos));
        pos = bar + 1;
    }
    return out;
}

// A key's possible values: its choices, true/false, or what the key names (sinks, masters,
// files). Empty when any text goes.
std::vector<std::string> key_values(const ConfigKey &key) {
    if (key.name == "stream.sink") return bundled_sink_names();
    if (key.name == "stream.master") return {"local", "local[*]", "local[1]", "local[2]", "local[4]", "local[8]"};
    if (key.name == "stream.checkpoint.dir") return {"@dirs"};
    if (key.name == "stream.plugins" || key.name == "resolver.lockfile" || key.name == "resolver.caBundle")
        return {"@files"};
    if (!key.choices.empty()) return split_choices(key.choices);
    if (key.type == KeyType::Bool) return {"true", "false"};
    return {};
}

// Every key that can be set by name with --conf: the table's and the bundled sinks'.
std::vector<DeclaredKey> all_keys() {
    std::vector<DeclaredKey> keys;
    for (const auto &k : config_keys())
        if (!k.name.ends_with(".*"))
            keys.push_back(DeclaredKey{std::string(k.name), k.type, std::string(k.default_value),
                                       std::string(k.choices), "", "", false, false});
    for (auto &k : bundled_sink_keys()) keys.push_back(std::move(k));
    return keys;
}

// After --conf: "KEY=" while the key is typed, "KEY=VALUE" once it is.
std::vector<std::string> conf_candidates(const std::string &word) {
    std::vector<std::string> out;
    const auto eq = word.find('=');
    for (const auto &key : all_keys()) {
        if (eq == std::string::npos) {
            out.push_back(key.name + "=");
        } else if (key.name == word.substr(0, eq)) {
            for (const auto &value : key_values(key.view()))
                out.push_back(value.starts_with("@") ? value : key.name + "=" + value);
        }
    }
    return out;
}

// Options of subcommands that are not table keys but take a known kind of value.
std::vector<std::string> other_option_values(std::string_view option) {
    if (option == "--checksum-policy") return key_values(*find_config_key("resolver.checksumPolicy"));
    if (option == "--format") return {"text", "troff"};
    if (option == "--properties-file" || option == "--file" || option == "--pom" || option == "--lockfile" ||
        option == "--ca-bundle" || option == "--plugins")
        return {"@files"};
    if (option == "--cache-dir" || option == "--checkpoint") return {"@dirs"};
    return {};
}

std::vector<std::string> option_values(std::string_view option, const std::string &word) {
    if (option == "-c" || option == "--conf") return conf_candidates(word);
    for (const auto &key : config_keys())
        if (!key.flag.empty() && key.flag == option) {
            auto values = key_values(key);
            return values.empty() ? other_option_values(option) : values;
        }
    return other_option_values(option);
}

const CLI::Option *find_option(const CLI::App &app, std::string_view name) {
    for (const CLI::Option *opt : app.get_options()) {
        if (opt->get_group().empty()) continue;
        for (const auto &l : opt->get_lnames())
            if (name == "--" + l) return opt;
        for (const auto &s : opt->get_snames())
            if (name == "-" + s) return opt;
    }
    return nullptr;
}

const CLI::App *find_subcommand(const CLI::App &root, std::string_view name) {
    for (const CLI::App *sub : root.get_subcommands([](const CLI::App *) { return true; }))
        if (sub->get_name() == name && !sub->get_group().empty()) return sub;
    return nullptr;
}

std::vector<std::string> candidates(const CLI::App &root, const std::vector<std::string> &words) {
    const std::string word = words.empty() ? "" : words.back();
    const CLI::App *at = &root;
    size_t first = 0;
    if (words.size() > 1)
        if (const CLI::App *sub = find_subcommand(root, words.front())) {
            at = sub;
            first = 1;
        }
    if (words.size() > first + 1) {
        const std::string &previous = words[words.size() - 2];
        if (const CLI::Option *opt = find_option(*at, previous); opt && opt->get_type_size_max() > 0)
            return option_values(previous, word);
    }
    if (word.starts_with("-")) return option_names(*at);
    if (at == &root && words.size() <= 1) { // a subcommand, or the application (.so)
        auto out = subcommand_names(root);
        out.push_back("@files");
        return out;
    }
    return {"@files"}; // the application, its arguments, coordinates: nothing to offer but files
}

} // namespace

std::vector<std::string> completions(const CLI::App &root, const std::vector<std::string> &words) {
    const std::string word = words.empty() ? "" : words.back();
    std::vector<std::string> out;
    for (auto &c : candidates(root, words))
        if (c.starts_with("@") || c.starts_with(word)) out.push_back(std::move(c));
    return out;
}

void add_complete_command(CLI::App &root, CommandSelection &selection) {
    auto words = std::make_shared<std::vector<std::string>>();
    auto *cmd = root.add_subcommand("__complete", "Candidates for shell completion (completions/)");
    cmd->group(""); // hidden: the shells' completion scripts call it
    cmd->add_option("words", *words, "The command line's words after streamsubmit, the last one being completed");
    cmd->final_callback([words, &root, &selection] {
        selection.action = [words, &root]() -> Status {
            std::string text;
            for (const auto &c : completions(root, *words)) text += c + "\n";
            std::fputs(text.c_str(), stdout);
            return ok_status();
        };
    });
}

} // namespace streamsubmit::cli
