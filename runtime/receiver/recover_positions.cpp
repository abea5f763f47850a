#include "runtime/receiver/recover_positions.h"

#include <fmt/format.h>

namespace streamsubmit::runtime {

Result<OffsetMap> start_where_the_application_says(Source &source, Application *application,
                                        const std::vector<TopicPartition> &assigned,
                                        std::chrono::milliseconds request_timeout, const Diagnostics &diagnostics,
                                        std::string_view who) {
    if (!application || !application->has_recover() || assigned.empty()) return OffsetMap{};
    auto committed = source.committed_offsets(assigned, request_timeout);
    if (!committed) return committed.error();
    OffsetMap group;
    for (const auto &tp : assigned) {
        const auto it = committed->find(tp);
        group[tp] = it == committed->end() ? -1 : it->second;
    }
    auto recovered = application->recover(group);
    if (!recovered) return recovered.error();
    OffsetMap moved;
    for (const auto &[tp, offset] : *recovered)
        if (offset >= 0 && offset != group[tp]) {
            moved[tp] = offset;
            if (diagnostics)
                diagnostics(LogLevel::Info, fmt::format("{}: {} starts at offset {} where the application "
                                                        "says (the group's committed offset: {})",
                                                        who, to_string(tp), offset, group[tp]));
        }
    if (auto st = source.start_assigned_at(moved); !st) return st.error();
    return moved;
}

} // namespace streamsubmit::runtime
