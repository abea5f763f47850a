#include "metrics/watermark_poller.h"

#include "common/guarded.h"

#include <fmt/format.h>

namespace streamsubmit::metrics {

WatermarkPoller::WatermarkPoller(JobState &state, SourceFactory sources, std::chrono::milliseconds interval,
                                 std::chrono::milliseconds request_timeout, runtime::Diagnostics diagnostics)
    : state_(state), sources_(std::move(sources)), interval_(interval), request_timeout_(request_timeout),
      diagnostics_(std::move(diagnostics)) {
    if (interval_.count() > 0) thread_ = std::thread([this] { run(); });
}

WatermarkPoller::~WatermarkPoller() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

Status WatermarkPoller::poll_once() {
    std::vector<runtime::TopicPartition> partitions;
    for (const auto &p : state_.partitions()) partitions.push_back({p.topic, p.partition});
    if (partitions.empty()) return ok_status();
    if (!source_) {
        auto source = sources_();
        if (!source) return source.error();
        source_ = std::move(*source);
    }
    auto marks = source_->query_watermarks(partitions, request_timeout_);
    if (!marks) {
        source_.reset(); // a fresh connection next round
        return marks.error();
    }
    std::map<runtime::TopicPartition, int64_t> latest;
    for (const auto &[tp, m] : *marks) latest[tp] = m.latest;
    state_.set_latest(latest);
    return ok_status();
}

void WatermarkPoller::run() {
    bool warned = false;
    const Status st = run_guarded("metrics watermark poller", [&]() -> Status {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
            lock.unlock();
            auto polled = poll_once();
            lock.lock();
            // The lag metrics go stale, the job goes on: say so once, not every interval.
            if (!polled && !warned && diagnostics_) {
                diagnostics_(runtime::LogLevel::Warn,
                             fmt::format("metrics: cannot ask for the latest offsets (receiver lag stays as it "
                                         "was): {}",
                                         polled.error().what));
                warned = true;
            }
        }
        return ok_status();
    });
    (void)st; // run_guarded reported it; the job does not depend on this thread
}

} // namespace streamsubmit::metrics
