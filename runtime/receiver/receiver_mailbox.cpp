#include "runtime/receiver/receiver_mailbox.h"

namespace streamsubmit::runtime {

void ReceiverMailbox::post_assigned(std::vector<TopicPartition> partitions, OffsetMap starts) {
    std::lock_guard lock(mu_);
    work_.assigned.insert(work_.assigned.end(), partitions.begin(), partitions.end());
    for (auto &[tp, offset] : starts) work_.starts[tp] = offset;
    pending_.store(true, std::memory_order_release);
}

void ReceiverMailbox::post_revoke(std::vector<TopicPartition> partitions) {
    std::lock_guard lock(mu_);
    if (exited_) return;
    // An assignment not yet taken is revoked before the receiver saw it: it never reads it.
    std::erase_if(work_.assigned, [&](const TopicPartition &tp) {
        for (const auto &r : partitions)
            if (r == tp) return true;
        return false;
    });
    for (const auto &tp : partitions) work_.starts.erase(tp);
    if (!work_.revoked) work_.revoked.emplace();
    work_.revoked->insert(work_.revoked->end(), partitions.begin(), partitions.end());
    revoke_open_ = true;
    pending_.store(true, std::memory_order_release);
}

void ReceiverMailbox::wait_revoked() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !revoke_open_ || exited_; });
}

void ReceiverMailbox::release() {
    std::lock_guard lock(mu_);
    held_ = false;
    cv_.notify_all();
}

void ReceiverMailbox::post_probe() {
    std::lock_guard lock(mu_);
    work_.probe = true;
    pending_.store(true, std::memory_order_release);
}

ReceiverMailbox::Work ReceiverMailbox::take() {
    std::lock_guard lock(mu_);
    Work out = std::move(work_);
    work_ = Work{};
    pending_.store(false, std::memory_order_release);
    return out;
}

void ReceiverMailbox::revoke_done(bool hold) {
    std::unique_lock lock(mu_);
    revoke_open_ = false;
    held_ = hold;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !held_; });
}

void ReceiverMailbox::exited() {
    std::lock_guard lock(mu_);
    exited_ = true;
    revoke_open_ = false;
    cv_.notify_all();
}

} // namespace streamsubmit::runtime
