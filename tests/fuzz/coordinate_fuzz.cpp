// Maven coordinates as users type them (--packages, --exclude-packages): never a crash,
// and a coordinate that parses never names a path outside the repository.
#include "fuzz_target.h"
#include "resolver/coordinate.h"

#include <string>

using namespace streamsubmit::resolver;

namespace {
bool escapes(const std::string &path) {
    if (path.empty() || path.front() == '/' || path.find('\\') != std::string::npos) return true;
    size_t start = 0;
    while (start <= path.size()) {
        const size_t end = std::min(path.find('/', start), path.size());
        const std::string_view seg(path.data() + start, end - start);
        if (seg.empty() || seg == "." || seg == "..") return true;
        start = end + 1;
    }
    return false;
}
} // namespace

STREAMSUBMIT_FUZZ_TARGET(coordinate) {
    const auto text = fuzz_text(data, size);
    if (auto c = parse_coordinate(text)) {
        FUZZ_CHECK(!c->group.empty() && !c->artifact.empty() && !c->version.empty());
        FUZZ_CHECK(!escapes(c->path()));
        FUZZ_CHECK(!escapes(c->pom_path()));
        (void)c->key();
        (void)c->conflict_key();
        (void)c->base_version();
        // What to_string prints parses back to the same coordinate.
        auto again = parse_coordinate(c->to_string());
        FUZZ_CHECK(again.ok());
        FUZZ_CHECK(*again == *c);
    }
    (void)parse_exclusion(text);
    (void)is_safe_part(text);
    return 0;
}
