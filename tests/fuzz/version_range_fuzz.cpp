// Version requirements and Maven version ordering: never a crash; the order is a total
// order on what it is given (antisymmetric, reflexive), and select() picks a member.
#include "fuzz_target.h"
#include "resolver/version.h"
#include "resolver/version_range.h"

#include <string>
#include <vector>

using namespace streamsubmit::resolver;

STREAMSUBMIT_FUZZ_TARGET(version_range) {
    const auto text = fuzz_text(data, size);
    // "spec\nv1\nv2..." : a constraint and candidate versions.
    std::vector<std::string> lines;
    size_t start = 0;
    while (start <= text.size() && lines.size() < 16) {
        const size_t end = std::min(text.find('\n', start), text.size());
        lines.emplace_back(text.substr(start, end - start));
        start = end + 1;
    }
    const std::string spec = lines.front();
    const std::vector<std::string> versions(lines.begin() + 1, lines.end());
    for (const auto &v : versions) FUZZ_CHECK(compare_versions(v, v) == 0);
    for (size_t i = 0; i + 1 < versions.size(); ++i) {
        const int ab = compare_versions(versions[i], versions[i + 1]);
        const int ba = compare_versions(versions[i + 1], versions[i]);
        FUZZ_CHECK((ab < 0) == (ba > 0) && (ab == 0) == (ba == 0));
    }
    (void)is_range_spec(spec);
    if (auto c = VersionConstraint::parse(spec)) {
        for (const auto &v : versions) (void)c->contains(Version(v));
        if (c->is_range()) {
            if (const auto chosen = c->select(versions)) FUZZ_CHECK(c->contains(Version(*chosen)));
        } else {
            (void)c->select(versions);
        }
    }
    return 0;
}
