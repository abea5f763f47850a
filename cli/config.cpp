#include "cli/config.h"

#include "cli/secret_value.h"
#include "cli/suggest.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>

namespace streamsubmit::cli {
namespace {

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

std::optional<int64_t> parse_int(std::string_view text) {
    int64_t v = 0;
    const auto *end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc{} || ptr != end) return std::nullopt;
    return v;
}

std::optional<double> parse_double(std::string_view text) {
    double v = 0;
    const auto *end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc{} || ptr != end || !std::isfinite(v)) return std::nullopt;
    return v;
}

std::optional<bool> parse_bool(std::string_view text) {
    if (text == "true") return true;
    if (text == "false") return false;
    return std::nullopt;
}

// The part of a table key after its section prefix: "stream.kafka.maxRatePerPartition" →
// "maxRatePerPartition", "kafka.group.id" → "group.id".
std::string_view unqualified(std::string_view key) {
    for (std::string_view prefix : {"stream.kafka.", "stream.", "kafka.", "resolver."})
        if (key.starts_with(prefix)) return key.substr(prefix.size());
    return key;
}

// A librdkafka property written without the kafka. prefix: lowercase words and dots.
bool looks_like_librdkafka_property(std::string_view key) {
    for (std::string_view section : {"stream.", "kafka.", "resolver.", "sink.", "app."})
        if (key.starts_with(section)) return false;
    return key.find('.') != std::string_view::npos &&
           std::all_of(key.begin(), key.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)) ||
                                                                   std::isdigit(static_cast<unsigned char>(c)) ||
                                                                   c == '.' || c == '_'; });
}

} // namespace

Status check_value(const ConfigKey &key, const std::string &value) {
    auto bad = [&](std::string_view hint) {
        return Error(ErrorKind::Usage, fmt::format("invalid value for {}", key.name), fmt::format("'{}'", value),
                     std::string(hint));
    };
    switch (key.type) {
    case KeyType::Int:
        if (!parse_int(value) || *parse_int(value) < 0) return bad("use a whole number, 0 or more");
        break;
    case KeyType::Double:
        if (!parse_double(value) || *parse_double(value) < 0) return bad("use a number, 0 or more, such as 0.2");
        break;
    case KeyType::Bool:
        if (!parse_bool(value)) return bad("use true or false");
        break;
    case KeyType::Duration:
        if (auto d = parse_duration(value); !d) {
            // "a duration needs a unit" says more than "invalid value" for a bare number.
            Error e = bad(d.error().hint);
            if (d.error().what != "invalid duration") e.what += ": " + d.error().what;
            return e;
        }
        break;
    case KeyType::Enum: {
        std::string_view choices = key.choices;
        for (size_t pos = 0; pos <= choices.size();) {
            const auto bar = std::min(choices.find('|', pos), choices.size());
            if (choices.substr(pos, bar - pos) == value) return ok_status();
            pos = bar + 1;
        }
        return bad(fmt::format("use one of: {}", key.choices));
    }
    case KeyType::String:
    case KeyType::List:
    case KeyType::Json:
        break;
    }
    return ok_status();
}


std::string_view config_source_name(ConfigSource source) {
    switch (source) {
    case ConfigSource::Default: return "default";
    case ConfigSource::Application: return "application";
    case ConfigSource::PropertiesFile: return "properties file";
    case ConfigSource::ConfFlag: return "--conf";
    case ConfigSource::CommandLine: return "command line";
    }
    return "default";
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
    // NUMBER UNIT: a whole or decimal number (1.5s), then ms, s, m (or min) or h. A bare number
    // is refused rather than read as milliseconds: "--batch-interval 2" meant 2 s more often than
    // 2 ms. The result must come to whole milliseconds, the resolution of every duration key.
    static constexpr std::string_view kHint = "use a duration such as 500ms, 2s or 1m";
    struct Unit { std::string_view suffix; int64_t ms; };
    static constexpr Unit units[] = {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"min", 60'000}, {"h", 3'600'000}};
    const auto invalid = [&](std::string what) {
        return Error(ErrorKind::Usage, std::move(what), std::string(text), std::string(kHint));
    };
    const auto number_end = text.find_first_not_of("0123456789.");
    const auto number = text.substr(0, number_end);
    const auto dot = number.find('.');
    const auto whole_digits = number.substr(0, dot);
    const auto fraction_digits = dot == std::string_view::npos ? std::string_view{} : number.substr(dot + 1);
    if (whole_digits.empty() || (dot != std::string_view::npos && fraction_digits.empty()) ||
        fraction_digits.find('.') != std::string_view::npos)
        return invalid("invalid duration");
    if (number_end == std::string_view::npos) return invalid("a duration needs a unit");
    const auto suffix = text.substr(number_end);
    const auto unit = std::find_if(std::begin(units), std::end(units), [&](const Unit &u) { return u.suffix == suffix; });
    if (unit == std::end(units)) return invalid("invalid duration");
    // Exact decimal arithmetic: the number as a fraction whole.fraction_digits, times the unit.
    const auto whole = parse_int(whole_digits);
    if (!whole || fraction_digits.size() > 9) return invalid("invalid duration");
    int64_t scale = 1, fraction = 0;
    for (char c : fraction_digits) {
        scale *= 10;
        fraction = fraction * 10 + (c - '0');
    }
    constexpr int64_t kMax = int64_t{1} << 53; // about 285,000 years: no key needs more
    if (*whole > kMax / unit->ms) return invalid("duration too long");
    const int64_t fraction_ms_scaled = fraction * unit->ms; // < scale * unit->ms, fits in 64 bits
    if (fraction_ms_scaled % scale != 0)
        return Error(ErrorKind::Usage, "a duration must come to whole milliseconds", std::string(text),
                     "use ms for finer steps, such as 1500ms");
    return std::chrono::milliseconds(*whole * unit->ms + fraction_ms_scaled / scale);
}

bool is_secret_key(std::string_view key) {
    // The properties librdkafka itself marks sensitive (_RK_SENSITIVE in rdkafka_conf.c), and
    // the OIDC client secret, which it does not.
    static constexpr std::string_view kSensitive[] = {
        "kafka.ssl.key.location", "kafka.ssl.key.password",  "kafka.ssl.key.pem",
        "kafka.ssl_key",          "kafka.ssl.ca.pem",        "kafka.ssl.keystore.password",
        "kafka.sasl.username",    "kafka.sasl.password",     "kafka.sasl.oauthbearer.config",
        "kafka.sasl.oauthbearer.client.secret", "schema.registry.basic.auth.user.info"};
    for (std::string_view sensitive : kSensitive)
        if (key == sensitive) return true;
    std::string lower(key);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    for (std::string_view word : {"password", "secret", "token", "key.pem", "private", "sasl.jaas"})
        if (lower.find(word) != std::string::npos) return true;
    return false;
}

std::string nearest_key(std::string_view unknown) {
    std::vector<std::string> names, tails;
    for (const auto &key : config_keys()) {
        if (key.name.ends_with(".*")) continue;
        names.emplace_back(key.name);
        tails.emplace_back(unqualified(key.name));
    }
    // A key given without its section (group.id, batchInterval), maybe misspelt too.
    for (const auto &name : names)
        if (name.ends_with("." + std::string(unknown))) return name;
    if (auto near = nearest_name(unknown, names); !near.empty()) return near;
    if (auto tail = nearest_name(unknown, tails); !tail.empty())
        return names[static_cast<size_t>(std::find(tails.begin(), tails.end(), tail) - tails.begin())];
    if (looks_like_librdkafka_property(unknown)) return "kafka." + std::string(unknown);
    return {};
}

Status Config::set(const std::string &key, const std::string &value, ConfigSource source,
                   const std::string &origin) {
    const ConfigKey *entry = find_config_key(key);
    if (!entry && !is_passthrough_key(key)) {
        const auto near = nearest_key(key);
        return Error(ErrorKind::Usage, "unknown configuration key", key,
                     near.empty() ? "run 'streamsubmit config' to list every key"
                                  : fmt::format("did you mean {}? ('streamsubmit config' lists every key)", near));
    }
    if (entry) {
        if (auto st = check_value(*entry, value); !st) return st;
    }
    auto it = values_.find(key);
    if (it != values_.end() && it->second.source > source) return ok_status();
    std::string resolved = value;
    if (is_passthrough_key(key) || is_secret_key(key)) { // env:NAME and file:PATH, as for kafka.* secrets
        auto r = resolve_value_reference(key, value);
        if (!r) return r.error();
        resolved = std::move(*r);
    }
    values_[key] = ConfigValue{std::move(resolved), source, origin};
    return ok_status();
}

const ConfigValue *Config::find(std::string_view key) const {
    auto it = values_.find(key);
    return it == values_.end() ? nullptr : &it->second;
}

std::optional<std::string> Config::get(std::string_view key) const {
    if (const auto *v = find(key)) return v->value;
    if (const auto *entry = find_config_key(key); entry && !entry->default_value.empty())
        return std::string(entry->default_for(mode()));
    if (const auto *entry = find_declared(key); entry && !entry->default_value.empty()) return entry->default_value;
    return std::nullopt;
}

std::string Config::mode() const {
    if (const auto *v = find("stream.mode")) return v->value;
    const auto *entry = find_config_key("stream.mode");
    return entry ? std::string(entry->default_value) : std::string("direct");
}

const DeclaredKey *Config::find_declared(std::string_view key) const {
    for (const auto &k : declared_)
        if (k.name == key) return &k;
    return nullptr;
}

Status Config::declare(const std::string &prefix, std::vector<DeclaredKey> keys, bool enforce_required) {
    for (const auto &[key, value] : values_) {
        if (!key.starts_with(prefix)) continue;
        const auto known = std::find_if(keys.begin(), keys.end(), [&](const DeclaredKey &k) { return k.name == key; });
        if (known == keys.end()) {
            std::vector<std::string> names;
            for (const auto &k : keys) names.push_back(k.name);
            const std::string best = nearest_name(key, names);
            std::string listed;
            for (const auto &k : keys) listed += (listed.empty() ? "" : ", ") + k.name;
            return Error(ErrorKind::Usage, "unknown configuration key", key,
                         !best.empty() ? fmt::format("did you mean {}? ('streamsubmit config' lists every key)", best)
                         : listed.empty() ? fmt::format("remove it: nothing takes keys under {}", prefix)
                                          : fmt::format("the keys under {} are: {}", prefix, listed));
        }
        if (auto st = check_value(known->view(), value.value); !st) return st;
    }
    if (enforce_required)
        for (const auto &k : keys)
            if (k.required && !find(k.name))
                return Error(ErrorKind::Usage, fmt::format("{} is required", k.name), k.name,
                             fmt::format("add --conf {}=... ({})", k.name, k.description));
    for (auto &k : keys) declared_.push_back(std::move(k));
    return ok_status();
}

std::string Config::get_string(std::string_view key) const { return get(key).value_or(""); }

int64_t Config::get_int(std::string_view key) const {
    // Values were checked by set(); a default in the table is a valid number too.
    return parse_int(get_string(key)).value_or(0);
}

double Config::get_double(std::string_view key) const { return parse_double(get_string(key)).value_or(0.0); }

bool Config::get_bool(std::string_view key) const { return get_string(key) == "true"; }

std::chrono::milliseconds Config::get_duration(std::string_view key) const {
    auto d = parse_duration(get_string(key));
    return d ? *d : std::chrono::milliseconds(0);
}

std::vector<std::string> Config::get_list(std::string_view key) const {
    std::vector<std::string> out;
    const std::string text = get_string(key);
    size_t pos = 0;
    while (pos <= text.size()) {
        const auto comma = std::min(text.find(',', pos), text.size());
        const auto item = trim(std::string_view(text).substr(pos, comma - pos));
        if (!item.empty()) out.emplace_back(item);
        pos = comma + 1;
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> Config::with_prefix(std::string_view prefix) const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto &[key, value] : values_)
        if (key.starts_with(prefix)) out.emplace_back(key.substr(prefix.size()), value.value);
    return out;
}

std::vector<std::pair<std::string, std::string>> Config::with_prefix_and_defaults(std::string_view prefix) const {
    auto out = with_prefix(prefix);
    for (const auto &key : declared_)
        if (key.name.starts_with(prefix) && !find(key.name) && !key.default_value.empty())
            out.emplace_back(key.name.substr(prefix.size()), key.default_value);
    return out;
}

std::vector<std::pair<std::string, ConfigValue>> Config::effective() const {
    std::map<std::string, ConfigValue> all;
    for (const auto &key : config_keys()) {
        if (key.name.ends_with(".*")) continue;
        all[std::string(key.name)] = ConfigValue{std::string(key.default_for(mode())), ConfigSource::Default, {}};
    }
    for (const auto &key : declared_) all[key.name] = ConfigValue{key.default_value, ConfigSource::Default, {}};
    for (const auto &[key, value] : values_) all[key] = value;
    return {all.begin(), all.end()};
}

Status apply_conf_flag(Config &config, const std::string &assignment) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
        return Error(ErrorKind::Usage, "malformed --conf", assignment, "write --conf KEY=VALUE");
    // The value is verbatim: a password may begin or end with spaces.
    return config.set(std::string(trim(assignment.substr(0, eq))), assignment.substr(eq + 1), ConfigSource::ConfFlag);
}

Status load_properties_file(Config &config, const std::filesystem::path &path) {
    std::ifstream in(path);
    if (!in)
        return Error(ErrorKind::Usage, "cannot read properties file", path.string(),
                     "check the path given to --properties-file");
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        const auto text = trim(line);
        if (text.empty() || text.front() == '#') continue;
        const auto sep = text.find_first_of("= \t");
        if (sep == std::string_view::npos)
            return Error(ErrorKind::Usage, "malformed line in properties file",
                         fmt::format("{}:{}", path.string(), number), "write 'key value' or 'key=value'");
        const auto key = trim(text.substr(0, sep));
        auto value = trim(text.substr(sep + 1));
        if (!value.empty() && value.front() == '=') value = trim(value.substr(1));
        if (auto st = config.set(std::string(key), std::string(value), ConfigSource::PropertiesFile, path.string());
            !st) {
            Error e = st.error();
            e.input = fmt::format("{} ({}:{})", e.input, path.string(), number);
            return e;
        }
    }
    return ok_status();
}

} // namespace streamsubmit::cli
