// Which of the plugin's librdkafka workarounds the loaded librdkafka needs.
//
// The plugin is built against Debian 12's librdkafka 2.0.2, but the shared library loaded at
// run time may be newer, so the decision reads rd_kafka_version() (the loaded library), not
// the header's RD_KAFKA_VERSION. A workaround is switched off from the release whose
// CHANGELOG.md (or, where it says nothing, the tagged commit) changed the behaviour it works
// around; each flag names that release.
//
// Not here, because no release changed what they work around (they run for every version):
//   - JoinWake (join_wake.h): a classic-protocol group's join advances only when librdkafka's
//     main thread wakes (an operation, or its 1 s timer); still so in 2.15.0, whose main loop
//     calls rd_kafka_cgrp_serve() after each wait ("FIXME: move to timer-triggered").
//   - the first read's metadata warm-up (range_reader.cpp): no CHANGELOG entry fixes the
//     consumer's leader query waiting for the 1 s topic scan (2.10.1's #5032 is the producer's).
//   - consuming one message with a timeout, then the rest without (range_reader.cpp,
//     group_consumer.cpp): rd_kafka_consume_batch_queue() waits for all it was asked for, as
//     its documentation says.
//   - the private group name of direct mode (kafka_source.cpp): assign() needs a group.id.
//   - the start of newly assigned partitions (assigned_start.h): a partition without a
//     committed offset waits 100 ms for its reset lookup; still `err ? 100 : 0` in 2.15.0.
#pragma once

namespace streamsubmit::kafka {

struct Workarounds {
    // FetchWake (fetch_wake.h), below 2.2.0. Up to 2.1.x a partition whose prefetch queue is
    // over queued.min.messages / queued.max.messages.kbytes is re-checked only when its broker
    // thread wakes, which FetchWake causes. 2.2.0 added fetch.queue.backoff.ms (CHANGELOG:
    // "Added `fetch.queue.backoff.ms` to the consumer to control how long the consumer backs
    // off next fetch attempt", #2879, PR #4284): the partition is then backed off on its own
    // timer, checked before the queue, so waking the broker thread no longer ends the pause.
    bool fetch_wake = false;
    // From 2.2.0, the same pause shortened through that setting instead (kafka_source.cpp),
    // unless the user gave it. Never fixed: the default is still 1000 ms.
    bool short_fetch_queue_backoff = false;
    // enable.sparse.connections=false (kafka_source.cpp), below 2.10.0. With sparse
    // connections up to 2.8.x, a connection request suppressed by sparse.connect.intvl was
    // retried only at the next 1 s timer; 2.10.0 retries it when the interval ends (PR #5039,
    // commit 860f0ae "Add an interval to retry connection to any random broker after interval
    // has passed", part of the broker-management rework listed in 2.10.0's CHANGELOG as
    // #4557; #5039 has no CHANGELOG line of its own). There was no 2.9.0 release.
    bool dense_connections = false;
    // reconnect.backoff.ms=10 on a stream's handle (kafka_source.cpp), below 2.10.0, unless the
    // user gave it. Destroying a handle whose broker still had a request in flight (a stream
    // that reached its end just after it was assigned: --until latest on a caught-up topic)
    // took until that broker's reconnect backoff ran out, 70-125 ms at librdkafka's 100 ms
    // default (debug log: "Delaying next reconnect by 118ms" while terminating), 7-10 ms at
    // 5 ms. In 2.0.2's rd_kafka_broker_thread_main a terminating broker in TRY_CONNECT falls
    // through to that backoff; from 2.10.0 it stops there (commit f7c427339, #4557, the
    // broker-management rework dense_connections names).
    bool short_fetcher_reconnect_backoff = false;
    // KafkaSource::must_abandon (kafka_source.h), below 2.3.0. Destroying a cooperative-sticky
    // member that never completed a rebalance asserts; 2.3.0 CHANGELOG: "Fix a segmentation
    // fault when closing a consumer using the cooperative-sticky assignor before the first
    // assignment (#4381)" (issue #4312).
    bool abandon_unassigned_member = false;
    // has_no_headers (record.h), up to 2.15.x: answers "no headers" from the record's bytes
    // instead of rd_kafka_message_headers(), which allocates and frees a parse buffer even for a
    // record whose headers section is only its count, 0 (still so in 2.15.0). It relies on where
    // librdkafka's consumer points a value (into the fetched record), which this was checked
    // against in 2.0.2's and 2.15.0's rdkafka_msgset_reader.c; a later release is left to the
    // API until someone reads it again. Not a fix that ends the need: a bound on what was read.
    bool header_count_shortcut = false;
};

// The decision for a librdkafka version as rd_kafka_version() encodes it (0xMMmmrrxx:
// major, minor, revision, pre-release; 0xff for a final release).
Workarounds workarounds_for(int version);

// The decision for the librdkafka loaded in this process, computed once.
const Workarounds &workarounds();

} // namespace streamsubmit::kafka
