#include "api_module.h"

#include "record_sequence.h"
#include "records.h"

#include <pybind11/embed.h>

namespace py = pybind11;

namespace streamsubmit::python {

py::object make_range(const ss_offset_range &r) { return py::cast(OffsetRange{r.topic, r.partition, r.from, r.until}); }

namespace {
PyStructSequence_Field kRecordFieldsDoc[] = {
    {"topic", "the topic"},
    {"partition", "the partition"},
    {"offset", "the record's offset"},
    {"timestamp", "epoch ms, -1 when unknown"},
    {"timestamp_type", "0 none, 1 create time (producer), 2 log append time (broker)"},
    {"key", "the key, decoded by stream.key.format or app.python.keyDecoder; None for a null key"},
    {"value", "the value, decoded by stream.value.format or app.python.valueDecoder; None for a tombstone"},
    {"headers", "tuple of (name, bytes or None), in the record's order"},
    {"key_schema_id", "the key's schema registry id (stream.key.format avro, protobuf, json-schema); else None"},
    {"value_schema_id", "the value's schema registry id (stream.value.format avro, protobuf, json-schema); else None"},
    {nullptr, nullptr}};
PyStructSequence_Desc kRecordDesc = {"streamsubmit.Record", "One Kafka record, key and value decoded as configured",
                                     kRecordFieldsDoc, kRecordFields};
PyTypeObject *g_record_type = nullptr;
} // namespace

PyTypeObject *record_type() { return g_record_type; }

py::object make_batch(const ss_batch &b) {
    Batch batch{b.id, b.time_ms, b.mode ? b.mode : "", py::list()};
    for (size_t i = 0; i < b.range_count; ++i) batch.ranges.append(make_range(*ss_batch_range_at(&b, i)));
    return py::cast(std::move(batch));
}

} // namespace streamsubmit::python

using streamsubmit::python::Batch;
using streamsubmit::python::OffsetRange;

PYBIND11_EMBEDDED_MODULE(streamsubmit, m) {
    m.doc() = R"(streamsubmit: the API of a Python job run by `streamsubmit [options] job.py [args]`.

The job is a Python file that defines, at module level, either

    foreach_batch(batch, records)
        the simple form: once per batch, on one thread, with all of the batch's records
        (Structured Streaming's foreachBatch); it runs before the checkpoint marks the
        batch complete,

or the partitioned form, as a C application:

    process(batch, range, records)
        once per non-empty partition range of a batch, on the reader threads (in parallel
        across partitions, one call at a time while it holds the GIL);
    commit(batch)
        on one thread, after every range of the batch was processed and before the
        checkpoint marks the batch complete: the batch's output must be durable when it returns;
    abort(batch)            optional: discard what process did for this batch;

and, with either form, optionally

    open(args, conf)        first: args is sys.argv[1:], conf the app.* keys as a dict
                            (prefix stripped, python.* keys left out);
    close()                 last;
    recover(positions) -> dict
        positions maps (topic, partition) to where streamsubmit would start; return a dict
        of the same keys with the next offsets to read that the job stored itself (those
        win), or None to keep them.

records (in either form) is a streamsubmit.Records: a read-only sequence in offset order,
range after range (len, records[i], slices, iteration), whose Records are made as they are
read (records[0] is records[0] may be False; list(records) keeps them).

An exception fails the batch: its traceback goes to stderr, abort() is called and
streamsubmit exits 8; a restart re-runs the batch with the same id, ranges and records.

    raise streamsubmit.Reject(reason, record)
        from the partitioned form's process, for one of its records that the job cannot take:
        with --conf stream.errors.tolerance=all the record is rejected (counted, logged with
        stream.errors.log.enable, produced to stream.errors.deadletterqueue.topic with its
        original bytes) and process is called again with the records after it; with
        tolerance=none (the default) the batch fails (exit 8).

batch: Batch(id, time (epoch ms), mode ("direct" or "receiver"), ranges (list of OffsetRange)).
OffsetRange: topic, partition, fromOffset, untilOffset ([fromOffset, untilOffset)).
Record: topic, partition, offset, timestamp (epoch ms, -1 unknown), timestamp_type
(0 none, 1 create time, 2 log append time), key, value, headers (tuple of (name, bytes|None)).
A Record is a named tuple: r.value, or r[6].

key and value are decoded by app.python.keyDecoder / app.python.valueDecoder:
utf8 (the default: str, None for null), bytes, json, or module:function (called with the
bytes; None stays None). A record that does not decode fails the batch (exit 8), naming its
topic, partition and offset; with stream.errors.tolerance=all it is rejected instead (stage
decode) and the job never sees it.

With --conf stream.key.format / stream.value.format = avro, protobuf or json-schema (and
schema.registry.url), the key / value arrives decoded from the Schema Registry wire format
instead, and r.key_schema_id / r.value_schema_id hold its schema id (None otherwise; by name
only, a Record still unpacks into the eight fields above). The decoder setting of that field
must then stay at its default (setting both is an error, exit 2). Values are what
confluent-kafka's deserializers give:
  avro: as fastavro (AvroDeserializer) reads it: record and map -> dict, array -> list,
      int/long -> int, float/double -> float, string -> str, bytes/fixed -> bytes,
      enum -> str (its symbol), union -> its branch's value, null -> None; logical types
      decimal -> decimal.Decimal (the schema's scale), date -> datetime.date,
      time-millis/time-micros -> datetime.time, timestamp-millis/timestamp-micros ->
      datetime.datetime in UTC (tzinfo=timezone.utc), local-timestamp-millis/-micros ->
      naive datetime.datetime, uuid -> uuid.UUID.
  protobuf: the dict of protobuf's json_format.MessageToDict (proto3's JSON mapping:
      lowerCamelCase names, int64/uint64 as str, bytes as base64 str, enums by name,
      fields at their default left out).
  json-schema: the JSON payload parsed (json.loads).
A key or value that does not decode (no magic byte, an unknown schema id, a payload that
is not of its schema) stops the job with exit 4, naming topic, partition, offset and schema
id, the batch uncommitted; with stream.errors.tolerance=all it is rejected (stage decode).
A registry that does not answer within schema.registry.request.timeout stops the job
(exit 4, naming the URL) whatever the tolerance.)";
    py::class_<OffsetRange>(m, "OffsetRange", "One partition's half-open offset range [fromOffset, untilOffset)")
        .def_readonly("topic", &OffsetRange::topic)
        .def_readonly("partition", &OffsetRange::partition)
        .def_readonly("fromOffset", &OffsetRange::fromOffset)
        .def_readonly("untilOffset", &OffsetRange::untilOffset)
        .def("count", [](const OffsetRange &r) { return r.untilOffset - r.fromOffset; })
        .def("__repr__", [](const OffsetRange &r) {
            return "OffsetRange(topic=" + r.topic + ", partition=" + std::to_string(r.partition) +
                   ", fromOffset=" + std::to_string(r.fromOffset) + ", untilOffset=" + std::to_string(r.untilOffset) + ")";
        });
    py::class_<Batch>(m, "Batch", "One batch: id (a re-run keeps it), time (epoch ms), mode, ranges")
        .def_readonly("id", &Batch::id)
        .def_readonly("time", &Batch::time)
        .def_readonly("mode", &Batch::mode)
        .def_readonly("ranges", &Batch::ranges)
        .def("__repr__", [](const Batch &b) { return "Batch(id=" + std::to_string(b.id) + ", mode=" + b.mode + ")"; });
    // An exception class of its own, made in C like Record: Reject(reason, record).
    PyObject *reject = PyErr_NewExceptionWithDoc(
        "streamsubmit.Reject",
        "Reject(reason, record): raised from process for one of its records, rejects that record "
        "(stream.errors.tolerance=all); process is then called with the records after it",
        PyExc_Exception, nullptr);
    if (!reject) throw py::error_already_set();
    m.attr("Reject") = py::reinterpret_steal<py::object>(reject);
    if (!streamsubmit::python::g_record_type) {
        streamsubmit::python::g_record_type = PyStructSequence_NewType(&streamsubmit::python::kRecordDesc);
        if (!streamsubmit::python::g_record_type) throw py::error_already_set();
        streamsubmit::python::make_record_fields_fast(streamsubmit::python::g_record_type);
    }
    streamsubmit::python::make_record_sequence_types(m);
    m.attr("Record") = py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject *>(streamsubmit::python::g_record_type));
}
