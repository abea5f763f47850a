// maven-metadata.xml from a repository: never a crash; what render_metadata writes
// parses back with the same versions; merging is idempotent on versions.
#include "fuzz_target.h"
#include "resolver/metadata.h"

using namespace streamsubmit::resolver;

STREAMSUBMIT_FUZZ_TARGET(metadata) {
    const auto text = fuzz_text(data, size);
    auto m = parse_metadata(text, "maven-metadata.xml");
    if (!m) return 0;
    (void)m->snapshot_value(m->version, "jar", "");
    const auto merged = merge_metadata(*m, *m);
    const auto rendered = render_metadata(merged);
    auto again = parse_metadata(rendered, "rendered");
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->versions == merged.versions);
    FUZZ_CHECK(merge_metadata(merged, merged).versions == merged.versions);
    return 0;
}
