// POM files from a repository are untrusted input: parse_pom never crashes or hangs.
#include "fuzz_target.h"
#include "resolver/pom.h"

using namespace streamsubmit::resolver;

STREAMSUBMIT_FUZZ_TARGET(pom) {
    const auto text = fuzz_text(data, size);
    if (auto pom = parse_pom(text, "fuzz.pom")) {
        for (const auto &d : pom->dependencies) (void)d.management_key();
        for (const auto &d : pom->managed) (void)d.management_key();
    }
    (void)line_of_offset(text, size / 2);
    return 0;
}
