// ${...} expressions in POMs: project.* (and the legacy pom.* / bare forms),
// project.parent.*, <properties>, system properties (java.version, os.name) and env.X.
// Unknown expressions stay as written, as Maven leaves them; cycles are errors.
#pragma once

#include "common/error.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace streamsubmit::resolver {

struct InterpolationScope {
    std::map<std::string, std::string, std::less<>> project;    // "version", "groupId", "parent.version", ...
    std::vector<std::pair<std::string, std::string>> properties; // model <properties>, later entries win
    std::map<std::string, std::string, std::less<>> system;     // java.version, os.name, ...
    std::function<std::optional<std::string>(std::string_view)> env; // env.X lookups; may be empty
    std::string source; // for error messages
};

class Interpolator {
public:
    explicit Interpolator(InterpolationScope scope);
    Result<std::string> interpolate(std::string_view text) const;

private:
    Result<std::string> interpolate(std::string_view text, std::vector<std::string> &stack) const;
    std::optional<std::string> raw_value(std::string_view name) const;
    InterpolationScope scope_;
    std::map<std::string, std::string, std::less<>> properties_;
};

// The JVM facts profile activation and ${java.version} see: Java 17 on this system (os.*).
const std::map<std::string, std::string, std::less<>> &default_system_properties();

} // namespace streamsubmit::resolver
