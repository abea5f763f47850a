#include "resolver/version_range.h"

#include <cctype>

namespace streamsubmit::resolver {
namespace {

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

Error range_error(std::string what, std::string_view spec) {
    return Error(ErrorKind::Resolution, "invalid version range: " + std::move(what), std::string(spec),
                 "ranges look like [1.0,2.0), (,1.0], [1.5,) or [1.0]; several may be joined by commas");
}

} // namespace

bool is_range_spec(std::string_view spec) {
    const std::string t = trim(spec);
    return !t.empty() && (t.front() == '[' || t.front() == '(');
}

bool VersionInterval::contains(const Version &v) const {
    if (lower) {
        const int c = v.compare(*lower);
        if (c < 0 || (c == 0 && !lower_inclusive)) return false;
    }
    if (upper) {
        const int c = v.compare(*upper);
        if (c > 0 || (c == 0 && !upper_inclusive)) return false;
    }
    return true;
}

Result<VersionConstraint> VersionConstraint::parse(std::string_view raw) {
    VersionConstraint out;
    out.spec_ = trim(raw);
    std::string_view rest = out.spec_;
    if (rest.empty()) return range_error("empty version", raw);
    if (!is_range_spec(rest)) {
        out.preferred_ = Version(rest);
        return out;
    }
    while (!rest.empty()) {
        const char open = rest.front();
        if (open != '[' && open != '(') return range_error("expected '[' or '(' at \"" + std::string(rest) + "\"", raw);
        size_t close = rest.find_first_of("])");
        if (close == std::string_view::npos) return range_error("missing ']' or ')'", raw);
        const std::string body = trim(rest.substr(1, close - 1));
        VersionInterval iv;
        iv.lower_inclusive = open == '[';
        iv.upper_inclusive = rest[close] == ']';
        const size_t comma = body.find(',');
        if (comma == std::string::npos) {
            if (!iv.lower_inclusive || !iv.upper_inclusive || body.empty())
                return range_error("a single version must be written [1.0]", raw);
            iv.lower = iv.upper = Version(body);
        } else {
            if (body.find(',', comma + 1) != std::string::npos) return range_error("more than two bounds", raw);
            const std::string lo = trim(std::string_view(body).substr(0, comma));
            const std::string hi = trim(std::string_view(body).substr(comma + 1));
            if (!lo.empty()) iv.lower = Version(lo);
            if (!hi.empty()) iv.upper = Version(hi);
            if (iv.lower && iv.upper && iv.upper->compare(*iv.lower) < 0)
                return range_error("the upper bound is lower than the lower bound", raw);
        }
        out.intervals_.push_back(std::move(iv));
        rest.remove_prefix(close + 1);
        while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);
        if (!rest.empty()) {
            if (rest.front() != ',') return range_error("expected ',' between ranges", raw);
            rest.remove_prefix(1);
            while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);
        }
    }
    return out;
}

bool VersionConstraint::contains(const Version &v) const {
    if (!is_range()) return preferred_ && preferred_->compare(v) == 0;
    for (const auto &iv : intervals_)
        if (iv.contains(v)) return true;
    return false;
}

std::optional<std::string> VersionConstraint::select(const std::vector<std::string> &available) const {
    if (!is_range()) return preferred_ ? std::optional<std::string>(preferred_->text()) : std::nullopt;
    std::optional<Version> best;
    for (const auto &a : available) {
        Version v(a);
        if (contains(v) && (!best || v.compare(*best) > 0)) best = v;
    }
    if (!best) return std::nullopt;
    return best->text();
}

} // namespace streamsubmit::resolver
