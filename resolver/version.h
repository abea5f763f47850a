// Maven's ComparableVersion ordering (maven-artifact 3.8): versions are split into
// numbers and qualifiers at '.', '-' and digit/letter transitions; qualifiers order
// alpha < beta < milestone < rc = cr < snapshot < "" = final = ga = release < sp,
// unknown qualifiers after that, alphabetically; everything is case-insensitive.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace streamsubmit::resolver {

class Version {
public:
    Version() : Version(std::string_view{}) {}
    explicit Version(std::string_view text);

    const std::string &text() const { return text_; }
    int compare(const Version &other) const;
    bool operator==(const Version &o) const { return compare(o) == 0; }
    auto operator<=>(const Version &o) const { return compare(o) <=> 0; }

    struct Item;

private:
    std::string text_;
    std::shared_ptr<const Item> items_; // a list item
};

int compare_versions(std::string_view a, std::string_view b);

} // namespace streamsubmit::resolver
