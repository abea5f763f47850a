// The plugin descriptor and the extern "C" entry points. Every entry point converts
// exceptions into SS_ERR_INTERNAL: nothing C++ crosses the ABI.
#include "errors.h"
#include "group_consumer.h"
#include "group_member.h"
#include "kafka_source.h"
#include "metadata.h"
#include "mock_cluster.h"
#include "range_reader.h"
#include "record_lease.h"
#include "strided.h"

#include <exception>
#include <new>
#include <string>

using streamsubmit::kafka::KafkaSource;
using streamsubmit::kafka::check_array;
using streamsubmit::kafka::set_error;

namespace {

KafkaSource *impl(ss_source *src) { return reinterpret_cast<KafkaSource *>(src); }

// Runs f(source, err) without letting exceptions out. err goes through as the host gave it:
// set_error writes nothing into a NULL or too small one, and the status is returned anyway.
template <class F>
ss_status guarded(ss_source *src, ss_error *err, F &&f) {
    streamsubmit::kafka::clear_error(err);
    if (!src)
        return set_error(err, SS_ERR_INTERNAL, "kafka: NULL source");
    try {
        KafkaSource &s = *impl(src);
        if (!s.rk())
            return set_error(err, SS_ERR_INTERNAL,
                             "kafka: the source has no consumer handle (an earlier reopen failed)");
        if (ss_status st = s.security_failure(err); st != SS_OK)
            return st;
        const ss_status st = f(s, err);
        // A refused login or certificate is the cause of whatever failed (or was interrupted) since.
        if (st != SS_OK && s.has_security_failure())
            return s.security_failure(err);
        return st;
    } catch (const std::bad_alloc &) {
        return set_error(err, SS_ERR_INTERNAL, "kafka: out of memory");
    } catch (const std::exception &x) {
        return set_error(err, SS_ERR_INTERNAL, std::string("kafka: ") + x.what());
    } catch (...) {
        return set_error(err, SS_ERR_INTERNAL, "kafka: unknown exception");
    }
}

ss_status source_create(const ss_source_params *params, ss_source **out, ss_error *err) {
    streamsubmit::kafka::clear_error(err);
    try {
        std::unique_ptr<KafkaSource> source;
        const ss_status st = KafkaSource::create(params, source, err);
        if (st == SS_OK)
            *out = reinterpret_cast<ss_source *>(source.release());
        return st;
    } catch (const std::bad_alloc &) {
        return set_error(err, SS_ERR_INTERNAL, "kafka: out of memory");
    } catch (const std::exception &x) {
        return set_error(err, SS_ERR_INTERNAL, std::string("kafka: ") + x.what());
    } catch (...) {
        return set_error(err, SS_ERR_INTERNAL, "kafka: unknown exception");
    }
}

void source_destroy(ss_source *src) {
    try {
        if (src && impl(src)->must_abandon()) {
            impl(src)->abandon(); // deliberately never freed: see KafkaSource::must_abandon
            return;
        }
        KafkaSource::destroy(impl(src));
    } catch (...) {
    }
}

void source_interrupt(ss_source *src) {
    try {
        if (src)
            impl(src)->interrupt();
    } catch (...) {
    }
}

// ---- ss_direct_api ----

ss_status list_partitions(ss_source *src, const char *const *topics, size_t topic_count, const char *pattern,
                          int timeout_ms, ss_partition_fn fn, void *ctx, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        return streamsubmit::kafka::list_partitions(s, topics, topic_count, pattern, timeout_ms, fn, ctx, e);
    });
}

ss_status query_watermarks(ss_source *src, ss_watermarks *parts, size_t count, size_t stride, int timeout_ms,
                           ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        if (ss_status st = check_array<ss_watermarks>(parts, count, stride, "query_watermarks", e); st != SS_OK)
            return st;
        return streamsubmit::kafka::query_watermarks(s, parts, count, stride, timeout_ms, e);
    });
}

ss_status offsets_for_times(ss_source *src, ss_topic_partition *parts, size_t count, size_t stride, int timeout_ms,
                            ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        if (ss_status st = check_array<ss_topic_partition>(parts, count, stride, "offsets_for_times", e); st != SS_OK)
            return st;
        return streamsubmit::kafka::offsets_for_times(s, parts, count, stride, timeout_ms, e);
    });
}

ss_status read_ranges(ss_source *src, const ss_offset_range *ranges, size_t count, size_t stride, ss_records_fn fn,
                      void *ctx, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        if (ss_status st = check_array<ss_offset_range>(ranges, count, stride, "read_ranges", e); st != SS_OK)
            return st;
        if (s.mode() != KafkaSource::Mode::Direct)
            if (ss_status st = s.reopen(KafkaSource::Mode::Direct, e); st != SS_OK)
                return st;
        return streamsubmit::kafka::read_ranges(s, ranges, count, stride, fn, ctx, e);
    });
}

// The direct and the consumer table's commit: the same synchronous commit without metadata.
ss_status commit_offsets(ss_source *src, const ss_topic_partition *offsets, size_t count, size_t stride,
                         ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        if (ss_status st = check_array<ss_topic_partition>(offsets, count, stride, "commit_offsets", e); st != SS_OK)
            return st;
        return streamsubmit::kafka::commit_offsets(s, offsets, count, stride, nullptr, e);
    });
}

// ---- ss_consumer_api ----

ss_status subscribe(ss_source *src, const char *const *topics, size_t topic_count, ss_rebalance_fn on_rebalance,
                    void *ctx, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        return streamsubmit::kafka::subscribe_as(KafkaSource::Mode::Receiver, s, topics, topic_count, on_rebalance,
                                                 ctx, e);
    });
}

ss_status poll(ss_source *src, int timeout_ms, size_t max_records, ss_records_fn fn, void *ctx, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        // A member's handle has its partitions paused and is served by member->serve.
        if (s.mode() == KafkaSource::Mode::Member)
            return set_error(e, SS_ERR_CONFIG, "kafka: poll on a source that joined as a group member; use serve");
        return streamsubmit::kafka::poll(s, timeout_ms, max_records, fn, ctx, e);
    });
}

ss_status pause(ss_source *src, const ss_topic_partition *parts, size_t count, size_t stride, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        if (ss_status st = check_array<ss_topic_partition>(parts, count, stride, "pause", e); st != SS_OK)
            return st;
        return streamsubmit::kafka::pause(s, parts, count, stride, e);
    });
}

ss_status resume(ss_source *src, const ss_topic_partition *parts, size_t count, size_t stride, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        if (ss_status st = check_array<ss_topic_partition>(parts, count, stride, "resume", e); st != SS_OK)
            return st;
        return streamsubmit::kafka::resume(s, parts, count, stride, e);
    });
}

ss_status start_assigned_at(ss_source *src, const ss_topic_partition *positions, size_t count, size_t stride,
                            ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        if (ss_status st = check_array<ss_topic_partition>(positions, count, stride, "start_assigned_at", e);
            st != SS_OK)
            return st;
        return streamsubmit::kafka::start_assigned_at(s, positions, count, stride, e);
    });
}

ss_status route_assigned(ss_source *src, const ss_topic_partition *parts, size_t count, size_t stride,
                         int32_t stream, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        if (ss_status st = check_array<ss_topic_partition>(parts, count, stride, "route_assigned", e); st != SS_OK)
            return st;
        return streamsubmit::kafka::route_assigned(s, parts, count, stride, stream, e);
    });
}

ss_status poll_stream(ss_source *src, int32_t stream, int timeout_ms, size_t max_records, ss_records_fn fn, void *ctx,
                      ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        return streamsubmit::kafka::poll_stream(s, stream, timeout_ms, max_records, fn, ctx, e);
    });
}

// Nothing to report through an ss_error: a lease that cannot be made is NULL (the host copies).
ss_record_lease *retain_records(ss_source *src, int32_t stream) {
    if (!src)
        return nullptr;
    try {
        return streamsubmit::kafka::retain_records(*impl(src), stream);
    } catch (...) {
        return nullptr;
    }
}

void release_records(ss_source *, ss_record_lease *lease) { streamsubmit::kafka::release(lease); }

// ---- ss_member_api ----

ss_status join_group(ss_source *src, const char *const *topics, size_t topic_count, ss_rebalance_fn on_rebalance,
                     void *ctx, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        return streamsubmit::kafka::subscribe_as(KafkaSource::Mode::Member, s, topics, topic_count, on_rebalance, ctx,
                                                 e);
    });
}

ss_status serve(ss_source *src, int timeout_ms, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        // Any other handle fetches: serving it would consume and drop its records.
        if (s.mode() != KafkaSource::Mode::Member || !s.subscribed)
            return set_error(e, SS_ERR_CONFIG, "kafka: serve needs a source that joined a group (join_group)");
        return streamsubmit::kafka::serve_member(s, timeout_ms, e);
    });
}

ss_status committed_offsets(ss_source *src, ss_topic_partition *parts, size_t count, size_t stride, int timeout_ms,
                            ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        if (ss_status st = check_array<ss_topic_partition>(parts, count, stride, "committed_offsets", e); st != SS_OK)
            return st;
        return streamsubmit::kafka::committed_offsets(s, parts, count, stride, timeout_ms, e);
    });
}

ss_status member_commit_offsets(ss_source *src, const ss_topic_partition *offsets, size_t count, size_t stride,
                                const char *metadata, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        if (ss_status st = check_array<ss_topic_partition>(offsets, count, stride, "commit_offsets", e); st != SS_OK)
            return st;
        return streamsubmit::kafka::commit_offsets(s, offsets, count, stride, metadata, e);
    });
}

ss_status group_metadata(ss_source *src, void *buf, size_t capacity, size_t *size, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        return streamsubmit::kafka::group_metadata(s, buf, capacity, size, e);
    });
}

const ss_direct_api kDirectApi = {
    .struct_size = sizeof(ss_direct_api),
    .list_partitions = list_partitions,
    .query_watermarks = query_watermarks,
    .offsets_for_times = offsets_for_times,
    .read_ranges = read_ranges,
    .commit_offsets = commit_offsets,
};

const ss_consumer_api kConsumerApi = {
    .struct_size = sizeof(ss_consumer_api),
    .subscribe = subscribe,
    .poll = poll,
    .commit_offsets = commit_offsets,
    .pause = pause,
    .resume = resume,
    .start_assigned_at = start_assigned_at,
    .route_assigned = route_assigned,
    .poll_stream = poll_stream,
    .retain_records = retain_records,
    .release_records = release_records,
};

const ss_member_api kMemberApi = {
    .struct_size = sizeof(ss_member_api),
    .join_group = join_group,
    .serve = serve,
    .committed_offsets = committed_offsets,
    .commit_offsets = member_commit_offsets,
    .group_metadata = group_metadata,
};

const ss_source_api kSourceApi = {
    .struct_size = sizeof(ss_source_api),
    .create = source_create,
    .destroy = source_destroy,
    .interrupt = source_interrupt,
    .direct = &kDirectApi,
    .consumer = &kConsumerApi,
    .member = &kMemberApi,
};

} // namespace

// The cluster table lives in mock_cluster.cpp; the descriptor, a static of the entry
// function, is initialised on the first call, so a call may provide a table.
STREAMSUBMIT_PLUGIN(.name = "kafka", .version = "0.1.0",
                    .description = "Apache Kafka source connector (librdkafka) with an embedded mock cluster",
                    .source = &kSourceApi, .cluster = streamsubmit::kafka::mock_cluster_api())
