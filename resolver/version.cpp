#include "resolver/version.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace streamsubmit::resolver {

struct Version::Item {
    enum Kind { Int, String, List } kind = List;
    std::string number;             // Int: digits without leading zeros ("" = 0)
    std::string qualifier;          // String: normalized qualifier
    std::vector<Item> list;         // List

    bool is_null() const {
        switch (kind) {
        case Int: return number.empty();
        case String: return qualifier.empty();
        case List: return list.empty();
        }
        return false;
    }
};

namespace {

using Item = Version::Item;

constexpr std::array<std::string_view, 7> kQualifiers = {"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"};

std::string comparable_qualifier(const std::string &q) {
    for (size_t i = 0; i < kQualifiers.size(); ++i)
        if (kQualifiers[i] == q) return std::to_string(i);
    return std::to_string(kQualifiers.size()) + "-" + q;
}

const std::string kReleaseIndex = "5";

Item make_int(std::string_view digits) {
    Item it;
    it.kind = Item::Int;
    size_t i = 0;
    while (i < digits.size() && digits[i] == '0') ++i;
    it.number = std::string(digits.substr(i));
    return it;
}

Item make_string(std::string_view value, bool followed_by_digit) {
    Item it;
    it.kind = Item::String;
    std::string v(value);
    if (followed_by_digit && v.size() == 1) {
        if (v == "a") v = "alpha";
        else if (v == "b") v = "beta";
        else if (v == "m") v = "milestone";
    }
    if (v == "ga" || v == "final" || v == "release") v.clear();
    else if (v == "cr") v = "rc";
    it.qualifier = std::move(v);
    return it;
}

Item parse_item(bool is_digit, std::string_view buf) { return is_digit ? make_int(buf) : make_string(buf, false); }

int compare_numbers(const std::string &a, const std::string &b) {
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    const int c = a.compare(b);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int compare(const Item *l, const Item *r);

// l is never null here.
int compare_nonnull(const Item &l, const Item *r) {
    switch (l.kind) {
    case Item::Int:
        if (!r) return l.number.empty() ? 0 : 1;
        if (r->kind == Item::Int) return compare_numbers(l.number, r->number);
        return 1; // int > string, int > list
    case Item::String:
        if (!r) {
            const int c = comparable_qualifier(l.qualifier).compare(kReleaseIndex);
            return c < 0 ? -1 : (c > 0 ? 1 : 0);
        }
        if (r->kind == Item::Int || r->kind == Item::List) return -1;
        {
            const int c = comparable_qualifier(l.qualifier).compare(comparable_qualifier(r->qualifier));
            return c < 0 ? -1 : (c > 0 ? 1 : 0);
        }
    case Item::List:
        if (!r) {
            if (l.list.empty()) return 0;
            return compare_nonnull(l.list.front(), nullptr);
        }
        if (r->kind == Item::Int) return -1;
        if (r->kind == Item::String) return 1;
        {
            const size_t n = std::max(l.list.size(), r->list.size());
            for (size_t i = 0; i < n; ++i) {
                const Item *li = i < l.list.size() ? &l.list[i] : nullptr;
                const Item *ri = i < r->list.size() ? &r->list[i] : nullptr;
                const int c = compare(li, ri);
                if (c != 0) return c;
            }
            return 0;
        }
    }
    return 0;
}

int compare(const Item *l, const Item *r) {
    if (!l) return r ? -compare_nonnull(*r, nullptr) : 0;
    return compare_nonnull(*l, r);
}

void normalize(Item &list) {
    for (size_t i = list.list.size(); i-- > 0;) {
        Item &last = list.list[i];
        if (last.kind == Item::List) normalize(last);
    }
    for (size_t i = list.list.size(); i-- > 0;) {
        const Item &last = list.list[i];
        if (last.is_null()) list.list.erase(list.list.begin() + static_cast<std::ptrdiff_t>(i));
        else if (last.kind != Item::List) break;
    }
}

Item parse(std::string_view text) {
    std::string version(text);
    std::transform(version.begin(), version.end(), version.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    Item root;
    // Nested lists are appended to their parent; keep a path of indices to the current list.
    std::vector<Item *> stack{&root};
    auto current = [&]() -> Item & { return *stack.back(); };
    auto push_list = [&]() {
        current().list.push_back(Item{});
        Item *child = &current().list.back();
        stack.push_back(child);
    };
    bool is_digit = false;
    size_t start = 0;
    for (size_t i = 0; i < version.size(); ++i) {
        const char c = version[i];
        const std::string_view sub(version.data() + start, i - start);
        if (c == '.') {
            if (i == start) current().list.push_back(make_int("0"));
            else current().list.push_back(parse_item(is_digit, sub));
            start = i + 1;
        } else if (c == '-') {
            if (i == start) current().list.push_back(make_int("0"));
            else current().list.push_back(parse_item(is_digit, sub));
            start = i + 1;
            push_list();
        } else if (std::isdigit(static_cast<unsigned char>(c))) {
            if (!is_digit && i > start) {
                current().list.push_back(make_string(sub, true));
                start = i;
                push_list();
            }
            is_digit = true;
        } else {
            if (is_digit && i > start) {
                current().list.push_back(parse_item(true, sub));
                start = i;
                push_list();
            }
            is_digit = false;
        }
    }
    if (version.size() > start) current().list.push_back(parse_item(is_digit, std::string_view(version).substr(start)));
    normalize(root);
    return root;
}

} // namespace

Version::Version(std::string_view text) : text_(text), items_(std::make_shared<const Item>(parse(text))) {}

int Version::compare(const Version &other) const {
    return resolver::compare(items_.get(), other.items_.get());
}

int compare_versions(std::string_view a, std::string_view b) { return Version(a).compare(Version(b)); }

} // namespace streamsubmit::resolver
