#include "stream_routes.h"

namespace streamsubmit::kafka {

void StreamRoutes::route(std::string topic, int32_t partition, int32_t stream) {
    std::lock_guard lock(mu_);
    pending_.push_back({{std::move(topic), partition}, stream});
}

void StreamRoutes::take_routed(const std::function<bool(const Partition &)> &being_assigned, Changes &joining,
                               Changes &leaving) {
    std::lock_guard lock(mu_);
    // The last route of a partition wins.
    std::map<Partition, int32_t> wanted;
    for (auto &[tp, stream] : pending_)
        wanted[tp] = stream;
    pending_.clear();
    for (auto &[tp, stream] : wanted) {
        if (!being_assigned(tp))
            continue;
        if (const auto it = current_.find(tp); it != current_.end())
            leaving[it->second].push_back(tp); // assigned again: its old assignment ends first
        current_[tp] = stream;
        joining[stream].push_back(tp);
    }
    count_.store(current_.size(), std::memory_order_release);
}

StreamRoutes::Changes StreamRoutes::take_revoked(const std::vector<Partition> &partitions) {
    std::lock_guard lock(mu_);
    Changes out;
    for (const auto &tp : partitions)
        if (const auto it = current_.find(tp); it != current_.end()) {
            out[it->second].push_back(tp);
            current_.erase(it);
        }
    count_.store(current_.size(), std::memory_order_release);
    return out;
}

void StreamRoutes::clear() {
    std::lock_guard lock(mu_);
    current_.clear();
    pending_.clear();
    count_.store(0, std::memory_order_release);
}

int32_t StreamRoutes::stream_of(const std::string &topic, int32_t partition) const {
    std::lock_guard lock(mu_);
    const auto it = current_.find(Partition{topic, partition});
    return it == current_.end() ? -1 : it->second;
}

} // namespace streamsubmit::kafka
