// Maven version requirements: a soft preference ("1.0") or hard ranges
// ("[1.0,2.0)", "(,1.0]", "[1.5,)", "[1.0]", and unions "[1.0,2.0),[3.0,)").
#pragma once

#include "common/error.h"
#include "resolver/version.h"

#include <optional>
#include <string>
#include <vector>

namespace streamsubmit::resolver {

struct VersionInterval {
    std::optional<Version> lower, upper; // nullopt = unbounded
    bool lower_inclusive = false, upper_inclusive = false;
    bool contains(const Version &v) const;
};

class VersionConstraint {
public:
    // "" is invalid; "1.0" is a soft preference; anything starting with '[' or '(' is a range.
    static Result<VersionConstraint> parse(std::string_view spec);

    bool is_range() const { return !intervals_.empty(); }
    const std::string &spec() const { return spec_; }
    const std::optional<Version> &preferred() const { return preferred_; }
    // Soft versions contain only themselves; ranges test every interval.
    bool contains(const Version &v) const;
    // The highest of `available` inside the range (or the preferred version if soft).
    std::optional<std::string> select(const std::vector<std::string> &available) const;

private:
    std::string spec_;
    std::optional<Version> preferred_;
    std::vector<VersionInterval> intervals_;
};

bool is_range_spec(std::string_view spec);

} // namespace streamsubmit::resolver
