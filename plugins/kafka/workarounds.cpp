#include "workarounds.h"

#include <librdkafka/rdkafka.h>

namespace streamsubmit::kafka {
namespace {

// The final releases. A version encoded below one (0xMMmmrr00..fe, a pre-release) keeps the
// workaround: not every release candidate had the fix (2.10.0-RC1 lacks #5039), and running a
// workaround a release does not need costs little, while missing one costs the stall.
constexpr int kFetchQueueBackoff = 0x020200ff;    // 2.2.0
constexpr int kFirstAssignmentClose = 0x020300ff; // 2.3.0
constexpr int kSparseConnectRetry = 0x020a00ff;   // 2.10.0
constexpr int kTerminatingBrokerStops = 0x020a00ff; // 2.10.0
constexpr int kAfterLastRead = 0x02100000;        // 2.16.0 and its pre-releases: not read

} // namespace

Workarounds workarounds_for(int version) {
    Workarounds w;
    w.fetch_wake = version < kFetchQueueBackoff;
    w.short_fetch_queue_backoff = !w.fetch_wake;
    w.dense_connections = version < kSparseConnectRetry;
    w.short_fetcher_reconnect_backoff = version < kTerminatingBrokerStops;
    w.abandon_unassigned_member = version < kFirstAssignmentClose;
    w.header_count_shortcut = version < kAfterLastRead;
    return w;
}

const Workarounds &workarounds() {
    static const Workarounds loaded = workarounds_for(rd_kafka_version());
    return loaded;
}

} // namespace streamsubmit::kafka
