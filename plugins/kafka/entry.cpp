// The plugin descriptor and the extern "C" entry points. Every entry point converts
// exceptions into SS_ERR_INTERNAL: nothing C++ crosses the ABI.
#include "errors.h"
#include "group_consumer.h"
#include "group_member.h"
#include "kafka_source.h"
#include "metadata.h"
#include "mock_cluster.h"
#include "range_reader.h"

#include <exception>
#include <new>
#include <string>

using streamsubmit::kafka::KafkaSource;
using streamsubmit::kafka::set_error;

namespace {

KafkaSource *impl(ss_source *src) { return reinterpret_cast<KafkaSource *>(src); }

// Runs f(source, err) with a usable ss_error and without letting exceptions out.
template <class F>
ss_status guarded(ss_source *src, ss_error *err, F &&f) {
    ss_error scratch;
    ss_error *e = err ? err : &scratch;
    streamsubmit::kafka::clear_error(e);
    if (!src)
        return set_error(e, SS_ERR_INTERNAL, "kafka: NULL source");
    try {
        KafkaSource &s = *impl(src);
        if (!s.rk())
            return set_error(e, SS_ERR_INTERNAL, "kafka: the source has no consumer handle (an earlier reopen failed)");
        if (ss_status st = s.security_failure(e); st != SS_OK)
            return st;
        const ss_status st = f(s, e);
        // A refused login or certificate is the cause of whatever failed (or was interrupted) since.
        if (st != SS_OK && s.has_security_failure())
            return s.security_failure(e);
        return st;
    } catch (const std::bad_alloc &) {
        return set_error(e, SS_ERR_INTERNAL, "kafka: out of memory");
    } catch (const std::exception &x) {
        return set_error(e, SS_ERR_INTERNAL, std::string("kafka: ") + x.what());
    } catch (...) {
        return set_error(e, SS_ERR_INTERNAL, "kafka: unknown exception");
    }
}

ss_source *source_create(const ss_source_create_params *params, ss_error *err) {
    ss_error scratch;
    ss_error *e = err ? err : &scratch;
    streamsubmit::kafka::clear_error(e);
    try {
        if (!params || params->struct_size < sizeof(ss_source_create_params)) {
            set_error(e, SS_ERR_INTERNAL, "kafka: ss_source_create_params is missing or too small");
            return nullptr;
        }
        return reinterpret_cast<ss_source *>(KafkaSource::create(params, e).release());
    } catch (const std::exception &x) {
        set_error(e, SS_ERR_INTERNAL, std::string("kafka: ") + x.what());
    } catch (...) {
        set_error(e, SS_ERR_INTERNAL, "kafka: unknown exception");
    }
    return nullptr;
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

ss_status list_partitions(ss_source *src, const char *const *topics, size_t topic_count, const char *pattern,
                          int timeout_ms, ss_partition_fn fn, void *ctx, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        return streamsubmit::kafka::list_partitions(s, topics, topic_count, pattern, timeout_ms, fn, ctx, e);
    });
}

ss_status query_watermarks(ss_source *src, ss_watermarks *parts, size_t count, int timeout_ms, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        return streamsubmit::kafka::query_watermarks(s, parts, count, timeout_ms, e);
    });
}

ss_status offsets_for_times(ss_source *src, ss_topic_partition *parts, size_t count, int timeout_ms,
                            ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        return streamsubmit::kafka::offsets_for_times(s, parts, count, timeout_ms, e);
    });
}

ss_status read_ranges(ss_source *src, const ss_offset_range *ranges, size_t count, ss_records_fn fn, void *ctx,
                      ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        if (s.mode() != KafkaSource::Mode::Direct)
            if (ss_status st = s.reopen(KafkaSource::Mode::Direct, e); st != SS_OK)
                return st;
        return streamsubmit::kafka::read_ranges(s, ranges, count, fn, ctx, e);
    });
}

ss_status commit_offsets(ss_source *src, const ss_topic_partition *offsets, size_t count, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        return streamsubmit::kafka::commit_offsets(s, offsets, count, nullptr, e);
    });
}

ss_status subscribe(ss_source *src, const char *const *topics, size_t topic_count, ss_rebalance_fn on_rebalance,
                    void *ctx, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        return streamsubmit::kafka::subscribe_as(KafkaSource::Mode::Receiver, s, topics, topic_count, on_rebalance,
                                                 ctx, e);
    });
}

ss_status poll(ss_source *src, int timeout_ms, size_t max_records, ss_records_fn fn, void *ctx, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        if (s.mode() == KafkaSource::Mode::Member)
            return streamsubmit::kafka::serve_member(s, timeout_ms, e);
        return streamsubmit::kafka::poll(s, timeout_ms, max_records, fn, ctx, e);
    });
}

ss_status pause(ss_source *src, const ss_topic_partition *parts, size_t count, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        return streamsubmit::kafka::pause(s, parts, count, e);
    });
}

ss_status resume(ss_source *src, const ss_topic_partition *parts, size_t count, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        return streamsubmit::kafka::resume(s, parts, count, e);
    });
}

ss_status join_group(ss_source *src, const char *const *topics, size_t topic_count, ss_rebalance_fn on_rebalance,
                     void *ctx, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        return streamsubmit::kafka::subscribe_as(KafkaSource::Mode::Member, s, topics, topic_count, on_rebalance, ctx,
                                                 e);
    });
}

ss_status committed_offsets(ss_source *src, ss_topic_partition *parts, size_t count, int timeout_ms, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        return streamsubmit::kafka::committed_offsets(s, parts, count, timeout_ms, e);
    });
}

ss_status commit_offsets_with_metadata(ss_source *src, const ss_topic_partition *offsets, size_t count,
                                       const char *metadata, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        return streamsubmit::kafka::commit_offsets(s, offsets, count, metadata, e);
    });
}

ss_status group_metadata(ss_source *src, void *buf, size_t capacity, size_t *size, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        return streamsubmit::kafka::group_metadata(s, buf, capacity, size, e);
    });
}

ss_status start_assigned_at(ss_source *src, const ss_topic_partition *positions, size_t count, ss_error *err) {
    return guarded(src, err, [&](KafkaSource &s, ss_error *e) {
        return streamsubmit::kafka::start_assigned_at(s, positions, count, e);
    });
}

const ss_source_api kSourceApi = {
    sizeof(ss_source_api), source_create, source_destroy, source_interrupt, list_partitions, query_watermarks,
    offsets_for_times,     read_ranges,   commit_offsets, subscribe,        poll,            pause,
    resume,                join_group,    committed_offsets, commit_offsets_with_metadata, group_metadata,
    start_assigned_at,
};

} // namespace

// The cluster table lives in mock_cluster.cpp; C++ initialises the descriptor on first call.
STREAMSUBMIT_PLUGIN("kafka", "0.1.0", "Apache Kafka source connector (librdkafka) with an embedded mock cluster",
                    &kSourceApi, streamsubmit::kafka::mock_cluster_api(), nullptr)
