#include "resolver/pom_interpolation.h"

#include "resolver/running_system.h"

#include <algorithm>

namespace streamsubmit::resolver {

const std::map<std::string, std::string, std::less<>> &default_system_properties() {
    static const std::map<std::string, std::string, std::less<>> props = {
        {"java.version", "17"},           {"java.specification.version", "17"},
        {"os.name", running_os().name},   {"os.arch", running_os().arch},
        {"os.version", running_os().version},
        {"file.separator", "/"},          {"path.separator", ":"},
        {"line.separator", "\n"},         {"file.encoding", "UTF-8"},
    };
    return props;
}

Interpolator::Interpolator(InterpolationScope scope) : scope_(std::move(scope)) {
    for (const auto &[k, v] : scope_.properties) properties_[k] = v;
}

std::optional<std::string> Interpolator::raw_value(std::string_view name) const {
    auto project_lookup = [&](std::string_view key) -> std::optional<std::string> {
        if (auto it = scope_.project.find(key); it != scope_.project.end()) return it->second;
        return std::nullopt;
    };
    for (std::string_view prefix : {"project.", "pom."})
        if (name.starts_with(prefix))
            if (auto v = project_lookup(name.substr(prefix.size()))) return v;
    if (auto it = properties_.find(name); it != properties_.end()) return it->second;
    if (name.starts_with("env.") && scope_.env)
        if (auto v = scope_.env(name.substr(4))) return v;
    if (auto it = scope_.system.find(name); it != scope_.system.end()) return it->second;
    // Maven 2 style ${version}, ${groupId}, ${parent.version}
    if (auto v = project_lookup(name)) return v;
    return std::nullopt;
}

Result<std::string> Interpolator::interpolate(std::string_view text) const {
    std::vector<std::string> stack;
    return interpolate(text, stack);
}

Result<std::string> Interpolator::interpolate(std::string_view text, std::vector<std::string> &stack) const {
    if (text.find("${") == std::string_view::npos) return std::string(text);
    std::string out;
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t start = text.find("${", pos);
        if (start == std::string_view::npos) {
            out.append(text.substr(pos));
            break;
        }
        const size_t end = text.find('}', start + 2);
        if (end == std::string_view::npos) {
            out.append(text.substr(pos));
            break;
        }
        out.append(text.substr(pos, start - pos));
        const std::string name(text.substr(start + 2, end - start - 2));
        if (std::find(stack.begin(), stack.end(), name) != stack.end()) {
            std::string chain;
            for (const auto &s : stack) chain += "${" + s + "} -> ";
            return Error(ErrorKind::Resolution, "property cycle in POM: " + chain + "${" + name + "}", scope_.source,
                         "the POM's properties refer to each other in a loop; fix the POM or use another version");
        }
        const auto value = raw_value(name);
        if (!value) {
            out.append(text.substr(start, end - start + 1)); // left as written
        } else {
            stack.push_back(name);
            auto expanded = interpolate(*value, stack);
            stack.pop_back();
            if (!expanded) return expanded.error();
            out.append(*expanded);
        }
        pos = end + 1;
    }
    return out;
}

} // namespace streamsubmit::resolver
