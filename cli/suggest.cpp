#include "cli/suggest.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace streamsubmit::cli {

size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t up = row[j];
            const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                              std::tolower(static_cast<unsigned char>(b[j - 1]));
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

std::string nearest_name(std::string_view unknown, std::span<const std::string> candidates) {
    std::string best;
    size_t best_distance = std::max<size_t>(3, unknown.size() / 3) + 1;
    for (const auto &candidate : candidates) {
        const size_t d = edit_distance(unknown, candidate);
        if (d < best_distance) {
            best_distance = d;
            best = candidate;
        }
    }
    return best;
}

std::string did_you_mean(const std::string &nearest, const std::string &otherwise) {
    return nearest.empty() ? otherwise : "did you mean " + nearest + "? " + otherwise;
}

} // namespace streamsubmit::cli
